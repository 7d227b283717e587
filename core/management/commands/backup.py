from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, make_backup, rotate


def megabytes(size):
    return f"{size / 1e6:.1f} MB"


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the uploaded media into one "
        "archive in BACKUP_DIR, with a manifest; encrypted with age when "
        "BACKUP_AGE_RECIPIENTS is set. Then rotate: keep the newest archive of each of "
        "the last 7 clinic days, 4 weeks and 12 months. The site keeps running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="Where the archive goes (BACKUP_DIR).")
        parser.add_argument("--daily", type=int, default=7, help="Days to keep (7).")
        parser.add_argument("--weekly", type=int, default=4, help="Weeks to keep (4).")
        parser.add_argument("--monthly", type=int, default=12, help="Months to keep (12).")
        parser.add_argument("--no-rotate", action="store_true", help="Remove no old archive.")

    def handle(self, *args, **options):
        directory = options["dir"] or settings.BACKUP_DIR
        try:
            result = make_backup(directory, recipients=settings.BACKUP_AGE_RECIPIENTS)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        media = [f for name, f in manifest["files"].items() if name.startswith("media/")]
        self.stdout.write(
            f"Backed up to {result.path} ({megabytes(result.path.stat().st_size)}"
            f"{', encrypted with age' if settings.BACKUP_AGE_RECIPIENTS else ''}) in "
            f"{result.seconds:.1f} s (pg_dump {result.dump_seconds:.1f} s): "
            f"{len(manifest['rows'])} tables, {sum(manifest['rows'].values())} rows, "
            f"{len(media)} media files ({megabytes(sum(f['bytes'] for f in media))}); "
            f"release {manifest['release']}."
        )
        if options["no_rotate"]:
            return
        kept, removed = rotate(directory, options["daily"], options["weekly"], options["monthly"])
        self.stdout.write(
            f"Rotation: {len(kept)} archives kept, {len(removed)} removed"
            + (f" ({', '.join(p.name for p in removed)})." if removed else ".")
        )
