"""``mahalleh indicators refresh [--full]``: bring the fact table up to date from the terminal.

Without ``--full`` only the neighbourhoods marked dirty since the last refresh are recomputed (what
the periodic job does every few minutes); ``--full`` recomputes every neighbourhood. A progress bar
goes to stderr.
"""

import sys
import time

from django.core.management.base import BaseCommand

from mahalleh.indicators.refresh import refresh


class ProgressBar:
    """A plain-text bar on stderr, redrawn in place: done/total neighbourhoods and the time."""

    def __init__(self, stream, width: int = 30):
        self.stream, self.width, self.started, self.drawn = stream, width, time.monotonic(), False

    def __call__(self, fraction: float) -> None:
        filled = int(self.width * max(0.0, min(1.0, fraction)))
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%}  {elapsed:5.1f}s")
        self.stream.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Indicator figures: `refresh` recomputes the fact table (only what changed unless --full)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("refresh", help="recompute the fact table")
        run.add_argument(
            "--full", action="store_true", help="recompute every neighbourhood, not only the dirty ones"
        )
        run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, **opts):
        bar = ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        started = time.monotonic()
        result = refresh(
            full=opts["full"],
            progress=None if opts["no_progress"] else (lambda done, total: bar(done / total)),
        )
        if not opts["no_progress"]:
            bar.done()
        kind = "full rebuild" if result.full else "incremental refresh"
        self.stdout.write(
            f"{kind}: {result.neighbourhoods} neighbourhoods, {result.facts} facts in "
            f"{time.monotonic() - started:.2f} s"
        )
