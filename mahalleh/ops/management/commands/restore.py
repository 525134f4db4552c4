from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mahalleh.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a `mahalleh backup` folder into an empty database and the media folder, then check counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup folder (mahalleh-YYYYMMDDTHHMMSSZ)")
        parser.add_argument("--database-url", help="restore into this database instead of DATABASE_URL's")
        parser.add_argument("--media-root", help="restore the media files here instead of MEDIA_ROOT")
        parser.add_argument("--force", action="store_true", help="replace a database that has tables")

    def handle(self, *args, path, database_url=None, media_root=None, force=False, **options):
        try:
            manifest, counts = restore(
                path=Path(path),
                database_url=database_url,
                media_root=media_root and Path(media_root),
                force=force,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {len(counts)} tables, {sum(counts.values())} rows: every count matches the backup "
            f"of {manifest['created']}"
        )
