from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import edge_cache
from core.backups import BackupError, restore_backup


def run_newer_migrations():
    """Apply the migrations this release has and the archive had not; name them."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0, stdout=StringIO())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Command(BaseCommand):
    help = (
        "Restore a backup archive (manage.py backup) into the configured database and "
        "media folder: checks the manifest's checksums and row counts, then runs any "
        "newer migrations. Refuses a database that already has tables unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive (.tar, or .tar.age if encrypted).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace everything in a database that has tables, and media files that "
            "differ; restore an archive from a newer release.",
        )
        parser.add_argument(
            "--identity",
            default=None,
            help="age private key file for an encrypted archive (BACKUP_AGE_IDENTITY).",
        )

    def handle(self, *args, **options):
        try:
            result = restore_backup(
                options["archive"],
                force=options["force"],
                identity=options["identity"] or settings.BACKUP_AGE_IDENTITY,
                migrate=run_newer_migrations,
                log=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored into database {connection.settings_dict['NAME']}: {result.tables} "
            f"tables, {result.rows} rows (each table's count as in the manifest); "
            f"{result.media_files} media files ({result.media_bytes / 1e6:.1f} MB) into "
            f"{settings.MEDIA_ROOT}, checksums verified."
        )
        migrated = result.migrated
        self.stdout.write(
            f"Newer migrations applied: {', '.join(migrated)}."
            if migrated
            else "No newer migrations to apply."
        )
        # Nothing kept from before the restore is served: fragments are stale at once,
        # and every public page is purged from the edge (core/edge_cache.py).
        edge_cache.content_changed()
        self.stdout.write(
            f"Took {result.seconds:.1f} s (pg_restore and media {result.restore_seconds:.1f} "
            "s). Pages kept from before are stale"
            + (" and queued for purging at the edge." if settings.EDGE_PURGE_URLS else ".")
        )
