"""manage.py backup and restore (core/backups.py): rotation by the clinic's days,
refusals, damaged archives, encryption, --force. The whole round trip on the demo is
the restore drill (tests/clinic/test_restore_drill.py)."""

import io
import shutil
import tarfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from appointments.models import AppointmentRequest
from core.backups import BackupError, archive_name, pg_tool, rotate
from tests import databases
from tests.conftest import skip_or_fail


def test_archive_names_carry_the_clinic_date(settings):
    settings.TIME_ZONE = "America/New_York"
    # 02:30 UTC on 1 December is still 30 November at the clinic.
    moment = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)

    assert archive_name(moment, False) == "clinic-backup-2026-11-30T213000-0500.tar"
    assert archive_name(moment, True) == "clinic-backup-2026-11-30T213000-0500.tar.age"


def test_rotation_keeps_7_days_4_weeks_12_months(settings, tmp_path):
    settings.TIME_ZONE = "America/New_York"
    # Two backups a night (23:00 and 23:30 clinic time, summer and winter) for 400
    # nights to Sunday 2027-01-31: both are already the next day in UTC.
    last = datetime(2027, 1, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    for night in range(400):
        for minutes in (0, 30):
            moment = last - timedelta(days=night, minutes=minutes)
            (tmp_path / archive_name(moment, night % 2 == 0)).touch()
    (tmp_path / "notes.txt").touch()

    kept, removed = rotate(tmp_path, daily=7, weekly=4, monthly=12)

    names = sorted(path.name[len("clinic-backup-") : len("clinic-backup-") + 17] for path in kept)
    daily = [f"2027-01-{day}T233000" for day in range(25, 32)]
    # The newest of each ISO week: Sundays 2027-01-31 (in the days), 24, 17, 10.
    weekly = ["2027-01-10T233000", "2027-01-17T233000", "2027-01-24T233000"]
    # The newest of each month: its last night (January's is in the days).
    monthly = [
        "2026-02-28T233000",
        "2026-03-31T233000",
        "2026-04-30T233000",
        "2026-05-31T233000",
        "2026-06-30T233000",
        "2026-07-31T233000",
        "2026-08-31T233000",
        "2026-09-30T233000",
        "2026-10-31T233000",
        "2026-11-30T233000",
        "2026-12-31T233000",
    ]
    assert names == sorted(monthly + weekly + daily)
    assert len(removed) == 800 - len(kept)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in kept] + ["notes.txt"]
    )


@pytest.fixture
def age():
    if not shutil.which("age"):
        skip_or_fail("needs age (apt-get install age)", databases.REQUIRE_AGE)
    return shutil.which("age")


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_damage_and_data_and_force_replaces(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "images").mkdir(parents=True)
    (tmp_path / "media" / "images" / "a.png").write_bytes(b"not really a png")
    AppointmentRequest.objects.create(
        first_name="Backup", last_name="Test", phone="+16148675309", reason="x", consent=True
    )
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=StringIO())
    [archive] = (tmp_path / "backups").glob("clinic-backup-*.tar")

    # Into the database it came from: it has tables.
    with pytest.raises(CommandError, match=r"already holds \d+ tables"):
        call_command("restore", str(archive), stdout=StringIO())

    # One byte changed in the dump: refused before anything is written.
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())
            if member.name == "database.dump":
                data[len(data) // 2] ^= 0xFF
            target.addfile(member, io.BytesIO(bytes(data)))
    with databases.fresh_database("backups") as name:
        result = databases.site_command(
            "manage.py", "restore", str(damaged), database=name, media_root=tmp_path / "m1"
        )
        assert result.returncode != 0
        assert "Checksum mismatch for database.dump" in result.stderr
        with closing(databases.connect(name)) as db, db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert cursor.fetchone()[0] == 0
        assert not (tmp_path / "m1").exists()

        # A database with data in it (refused without --force, as above) is replaced,
        # a table the archive does not have included.
        with closing(databases.connect(name)) as db, db.cursor() as cursor:
            cursor.execute("CREATE TABLE leftover (id int); INSERT INTO leftover VALUES (1)")
            db.commit()
        result = databases.site_command(
            "manage.py",
            "restore",
            "--force",
            str(archive),
            database=name,
            media_root=tmp_path / "m1",
        )
        assert result.returncode == 0, result.stderr
        assert "1 media files" in result.stdout
        with closing(databases.connect(name)) as db, db.cursor() as cursor:
            cursor.execute("SELECT first_name FROM appointments_appointmentrequest")
            assert cursor.fetchall() == [("Backup",)]
            cursor.execute("SELECT to_regclass('leftover')")
            assert cursor.fetchone()[0] is None
    assert (tmp_path / "m1" / "images" / "a.png").read_bytes() == b"not really a png"


@pytest.mark.django_db(transaction=True)
def test_encrypted_archive_reveals_nothing_without_the_key(settings, tmp_path, age):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    key = tmp_path / "key.txt"
    databases.run([shutil.which("age-keygen"), "-o", str(key)])
    public = databases.run([shutil.which("age-keygen"), "-y", str(key)]).stdout.strip()
    other = tmp_path / "other.txt"
    databases.run([shutil.which("age-keygen"), "-o", str(other)])
    settings.BACKUP_AGE_RECIPIENTS = [public]
    AppointmentRequest.objects.create(
        first_name="Zebediah", last_name="Test", phone="+16148675309", reason="x", consent=True
    )

    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=StringIO())

    [archive] = (tmp_path / "backups").glob("clinic-backup-*.tar.age")
    data = archive.read_bytes()
    for clear in (b"manifest.json", b"PGDMP", b"appointments_appointmentrequest", b"Zebediah"):
        assert clear not in data
    with pytest.raises(CommandError, match="encrypted: give the age identity"):
        call_command("restore", str(archive), stdout=StringIO())
    with pytest.raises(CommandError, match="age could not decrypt"):
        call_command("restore", "--force", "--identity", str(other), str(archive))
    assert AppointmentRequest.objects.get().first_name == "Zebediah"  # untouched
    with databases.fresh_database("age") as name:
        result = databases.site_command(
            "manage.py",
            "restore",
            str(archive),
            database=name,
            media_root=tmp_path / "m",
            env={"BACKUP_AGE_IDENTITY": str(key)},
        )
        assert result.returncode == 0, result.stderr
        with closing(databases.connect(name)) as db, db.cursor() as cursor:
            cursor.execute("SELECT first_name FROM appointments_appointmentrequest")
            assert cursor.fetchall() == [("Zebediah",)]


@pytest.mark.django_db
def test_pg_dump_older_than_the_server_is_refused(settings, tmp_path):
    # pg_dump cannot dump a newer server: one that says it is 9.6 is not used.
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    settings.PG_BIN = str(tmp_path)

    with pytest.raises(BackupError, match=r"No pg_dump for PostgreSQL \d+ .* Set PG_BIN"):
        pg_tool("pg_dump")

    settings.PG_BIN = ""
    assert pg_tool("pg_dump").endswith("/pg_dump")
