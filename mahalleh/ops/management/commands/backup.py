from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mahalleh.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc, or SQLite's online backup) and the media files, with checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.VAR_DIR) / "backups"), help="folder of backups"
        )

    def handle(self, *args, output, **options):
        try:
            result = backup(output=Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.manifest["tables"].values())
        self.stdout.write(
            f"backup written to {result.path} ({len(result.manifest['tables'])} tables, {rows} rows)"
        )
