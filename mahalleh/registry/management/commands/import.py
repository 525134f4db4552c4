"""``mahalleh import FILE --office CODE [--neighbourhood CODE] [--commit] [--user USERNAME]``: the browser's
import, on the terminal.

``--neighbourhood``: one of the office's target neighbourhoods, for the households whose rows name
none (the file then needs no neighbourhood column); rows that name one keep theirs.

Checks the file (a dry run) and prints the counts and the errors; with ``--commit`` also writes the
valid rows in one transaction. A progress bar goes to stderr. Exit status 1 when the file cannot be
read at all (wrong type, empty, damaged), 0 otherwise.
"""

import os
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from mahalleh.geo.models import Neighbourhood, Office
from mahalleh.registry.importer.jobs import import_neighbourhood_choices
from mahalleh.registry.importer.pipeline import run_import
from mahalleh.registry.importer.report import counts_text, errors_text
from mahalleh.registry.selectors import can_edit_registry


class ProgressBar:
    """A plain-text bar redrawn in place with a carriage return (no extra dependency)."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.last = -1
        self.started = time.monotonic()

    def __call__(self, fraction: float) -> None:
        percent = max(0, min(100, int(fraction * 100)))
        if percent == self.last:
            return
        self.last = percent
        filled = self.width * percent // 100
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%  {elapsed:5.1f}s")
        self.stream.flush()

    def done(self) -> None:
        if self.last >= 0:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import households and residents from a CSV or XLSX file (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--office", required=True, help="code of the office the residents belong to")
        parser.add_argument(
            "--commit", action="store_true", help="write the valid rows (otherwise only check)"
        )
        parser.add_argument(
            "--user", help="username recorded as the importer (an office manager or facilitator)"
        )
        parser.add_argument(
            "--neighbourhood",
            help="code of one of the office's neighbourhoods, for the rows that name none "
            "(the file then needs no neighbourhood column)",
        )
        parser.add_argument("--report", help="also write every error to this XLSX file")
        parser.add_argument(
            "--max-errors", type=int, default=100, help="errors printed (default 100; 0 for none)"
        )
        parser.add_argument("--language", default="fa", choices=["fa", "en"], help="language of the report")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, **opts):
        with translation.override(opts["language"]):
            return self._handle(opts)

    def _handle(self, opts):
        path = opts["file"]
        if not os.path.isfile(path):
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            office = Office.objects.select_related("county").get(code=opts["office"])
        except Office.DoesNotExist:
            raise CommandError(_("No office with the code %(code)s.") % {"code": opts["office"]}) from None
        user = None
        if opts["user"]:
            try:
                user = get_user_model().objects.get(username=opts["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user %(name)s.") % {"name": opts["user"]}) from None
            if not can_edit_registry(user) or user.office_id != office.pk:
                raise CommandError(
                    _("%(name)s may not import into office %(code)s.")
                    % {"name": user.username, "code": office.code}
                )
        default_neighbourhood = None
        if opts["neighbourhood"]:
            # Only a target neighbourhood of this office (and in the user's scope, when one is named).
            if user is not None:
                choices = import_neighbourhood_choices(user=user)
            else:
                choices = Neighbourhood.objects.filter(office=office, kind=Neighbourhood.Kind.TARGET)
            found = choices.filter(code=opts["neighbourhood"].strip()).first()
            if found is None:
                raise CommandError(
                    _("Neighbourhood %(code)s is not one of the neighbourhoods of office %(office)s.")
                    % {"code": opts["neighbourhood"], "office": office.code}
                )
            default_neighbourhood = found.pk
        show_progress = not opts["no_progress"]
        bar = ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        result = run_import(
            path=path,
            name=os.path.basename(path),
            office=office,
            user=user,
            commit=opts["commit"],
            progress=bar if show_progress else None,
            report_path=opts["report"],
            via="cli",
            default_neighbourhood=default_neighbourhood,
        )
        if show_progress:
            bar.done()
        if result.failed:
            raise CommandError(result.file_error.text())
        out = self.stdout
        if opts["commit"]:
            out.write(_("Saved: the valid rows were written in one transaction."))
        else:
            out.write(
                _("Checked only (a dry run): nothing was written. Add --commit to save the valid rows.")
            )
        out.write(counts_text(result))
        if result.error_count:
            out.write("")
            out.write(_("%(count)s errors:") % {"count": result.error_count})
            limit = max(opts["max_errors"], 0)
            if limit:
                out.write(errors_text(result.errors, limit=limit))
            if result.error_count > min(limit, len(result.errors)):
                more = result.error_count - min(limit, len(result.errors))
                if opts["report"]:
                    out.write(_("…and %(more)s more in %(path)s.") % {"more": more, "path": opts["report"]})
                else:
                    out.write(
                        _("…and %(more)s more: add --report FILE.xlsx to get them all.") % {"more": more}
                    )
        if result.ignored_columns:
            out.write(_("Columns ignored: %(names)s") % {"names": ", ".join(result.ignored_columns)})
