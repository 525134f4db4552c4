"""Export of the household list as CSV or XLSX, with the list's filters (see `exports`)."""

import errno
import logging
import tempfile

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from mahalleh.registry import exports, selectors
from mahalleh.registry.forms import HouseholdFilterForm

logger = logging.getLogger(__name__)


@login_required
def export(request):
    """`?format=csv|xlsx` plus the household list's own GET parameters (q, neighbourhood, harm_type, …)."""
    user = request.user
    if not selectors.can_read_registry(user):
        raise Http404
    fmt = (request.GET.get("format") or "csv").lower()
    if fmt not in exports.FORMATS:
        raise BadRequest(f"unknown export format {fmt!r}")
    params = request.GET.copy()
    if params.get("harm") and not params.get("harm_type"):
        params["harm_type"] = params["harm"]  # a shorter spelling of the same filter
    # The same form as the list page, so the export is exactly what the list shows.
    filters = HouseholdFilterForm(params, actor=user).selector_kwargs()
    # A temporary file, not a streamed body: the audit entry records the real row count, and a
    # failure half-way is an error page instead of a silently truncated file.
    out = tempfile.TemporaryFile(dir=settings.EXPORT_TMP_DIR)  # FileResponse closes it; the OS deletes it
    try:
        exports.export_households(user=user, filters=filters, fmt=fmt, fileobj=out)
        out.seek(0)
    except OSError as exc:
        out.close()
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        logger.error(
            "export failed, disk full under %s: %s", settings.EXPORT_TMP_DIR or tempfile.gettempdir(), exc
        )
        message = _(
            "The server's disk is full, so the export could not be written. Nothing was sent; "
            "tell your administrator and try again later."
        )
        return render(request, "core/error.html", {"status": 507, "message": message}, status=507)
    return FileResponse(
        out, as_attachment=True, filename=exports.filename(fmt), content_type=exports.FORMATS[fmt]
    )
