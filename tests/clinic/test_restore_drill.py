"""The restore drill (README, "Operations"): a backup is only as good as a restore.

Seed the demo, add requests, an image and a revision; back up with `manage.py backup`;
restore with `manage.py restore`, in a process of its own as an operator would, into a
database created for the drill and an empty media folder; then compare everything and
ask the restored site for its public and admin pages.
"""

import hashlib
import json
import tarfile
import time
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from appointments.models import AppointmentRequest
from education.models import Article
from education.revisions import snapshot
from tests import databases
from tests.education.images_helpers import make_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]


@pytest.fixture
def fresh_database():
    with databases.fresh_database("drill") as name:
        yield name


def tables_and_rows(name):
    """Every table's rows, each row's every field, in a stable order."""
    with closing(databases.connect(name)) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        contents = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" t ORDER BY t::text')  # noqa: S608
            columns = [column.name for column in cursor.description]
            contents[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return contents


def checksums(root):
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_restore_drill(settings, tmp_path, fresh_database):
    settings.DEBUG = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", stdout=StringIO())
    # What a working week adds: requests, an upload, an edit waiting for review.
    for n in range(3):
        AppointmentRequest.objects.create(
            first_name="Drill",
            last_name=f"Patient{n}",
            phone="+16148675309",
            reason="Neck pain after a fall.",
            consent=True,
        )
    image = make_image(alt="Drill picture of the lumbar spine")
    clinician = get_user_model().objects.get(username="clinician")
    article = Article.objects.published().filter(language="en", title__regex=r"^[A-Za-z ]+$")[0]
    content = snapshot(article)
    content["summary"] += " Revised during the restore drill."
    assert article.save_revision(clinician, content) is not None
    reference = AppointmentRequest.objects.filter(first_name="Drill").first().reference

    started = time.monotonic()
    out = StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    backup_seconds = time.monotonic() - started
    [archive] = (tmp_path / "backups").glob("clinic-backup-*.tar")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    manifest_rows = sum(manifest["rows"].values())

    restored_media = tmp_path / "restored-media"
    started = time.monotonic()
    restore = databases.site_command(
        "manage.py", "restore", str(archive), database=fresh_database, media_root=restored_media
    )
    restore_seconds = time.monotonic() - started
    assert restore.returncode == 0, restore.stderr
    assert f"{manifest_rows} rows" in restore.stdout
    assert "No newer migrations to apply." in restore.stdout

    # Every table, every row, every field.
    source = tables_and_rows(connection.settings_dict["NAME"])
    restored = tables_and_rows(fresh_database)
    assert sorted(restored) == sorted(source)
    for table, rows in source.items():
        assert len(restored[table]) == len(rows), table
        for before, after in zip(rows, restored[table], strict=True):
            assert after == before, f"{table}: {before} became {after}"
    assert any(
        "Revised during the restore drill." in str(row) for row in source["education_revision"]
    )
    # Every media file, by checksum; the new upload among them.
    assert checksums(restored_media) == checksums(settings.MEDIA_ROOT)
    assert image.file.name in checksums(restored_media)

    pages = databases.site_command(
        "-m",
        "tests.clinic.restored_site",
        reference,
        article.title,
        database=fresh_database,
        media_root=restored_media,
        # The test settings: no collectstatic before tests.
        settings_module="tests.settings",
    )
    assert pages.returncode == 0, pages.stderr
    results = json.loads(pages.stdout.strip().splitlines()[-1])
    assert len(results) >= 17
    assert {address: result for address, result in results.items() if result != [200, True]} == {}
    print(
        f"\nrestore drill: archive {archive.stat().st_size / 1e6:.1f} MB, {manifest_rows} rows; "
        f"backup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s (its own process)"
    )
