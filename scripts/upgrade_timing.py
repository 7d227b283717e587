#!/usr/bin/env python3
"""Upgrades on real-sized data: the previous release's schema, filled by a data
command, migrated to this checkout's schema one migration at a time, each timed.

    scripts/upgrade_timing.py --from <release tag or commit> [--data "<command>"]
    UPGRADE_FROM=<release> UPGRADE_DATA='<command>' make upgrade-timing

1. A database of its own is created on DATABASE_URL's server (dropped at the end
   unless --keep).
2. The previous release is exported from git (`git archive`, no worktree) to a
   temporary folder and migrates that database: the schema a clinic has today.
3. The data command fills it, run with `sh -c` in that old tree (`--data-in new`: in
   this checkout) with DATABASE_URL, PYTHON (this interpreter), OLD_TREE and NEW_TREE
   set. The default is the old release's demo seed. For 300,000 requests give the
   scale benchmark's generator. Then VACUUM ANALYZE, as a live database would be.
4. Each migration this checkout adds is applied on its own (`migrate <app> <name>`),
   timed, and checked: which tables PostgreSQL rewrote (their file node changed) and
   which indexes were built, with the rows of each.

A migration that takes longer than --slow-seconds, or rewrites a table of more than
--large-rows rows, must say so in its name ("slow" or "rewrite"; the README's upgrade
notes say what it does). Otherwise the script exits 1: that migration would hold the
site up for as long as it runs.
"""

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from contextlib import redirect_stdout
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent.parent
MARKERS = ("slow", "rewrite")


def git(*args):
    return subprocess.run(
        ["git", *args], cwd=HERE, capture_output=True, text=True, check=True
    ).stdout.strip()


def previous_release():
    try:
        return git("describe", "--tags", "--abbrev=0")
    except subprocess.CalledProcessError:
        sys.exit(
            "No release tag in this repository: say which release to upgrade from with "
            "--from <tag or commit> (UPGRADE_FROM=... make upgrade-timing)."
        )


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def execute(url, sql):
    """One statement outside a transaction (CREATE DATABASE, VACUUM), with the site's
    own driver: no psql needed."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def environment(database_url, old_tree):
    env = {key: value for key, value in os.environ.items() if not key.startswith("REDIS_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="clinic.settings",
        # Migrations and data only: no page is served from these settings.
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY="upgrade-timing-only",  # noqa: S106 (DEBUG, this database only)
        PYTHON=sys.executable,
        OLD_TREE=str(old_tree),
        NEW_TREE=str(HERE),
    )
    return env


def export_release(ref, folder):
    """The release's files as git holds them, without a worktree."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=HERE, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


def timed(label, args, **kwargs):
    started = time.monotonic()
    subprocess.run(args, check=True, **kwargs)
    seconds = time.monotonic() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def tables_state(cursor):
    """{table: (file node, rows)} and the set of index names, for the site's schema."""
    cursor.execute(
        "SELECT c.relname, c.relfilenode, greatest(c.reltuples, 0)::bigint "
        "FROM pg_class c WHERE c.relkind = 'r' "
        "AND c.relnamespace = current_schema()::regnamespace"
    )
    tables = {name: (node, rows) for name, node, rows in cursor.fetchall()}
    cursor.execute(
        "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = current_schema()"
    )
    indexes = dict(cursor.fetchall())
    return tables, indexes


def exact_rows(cursor, table):
    cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (a table name from pg_class)
    return cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # Also from the environment: make would expand the $ in a command given to it.
    parser.add_argument(
        "--from",
        dest="ref",
        default=os.environ.get("UPGRADE_FROM") or None,
        help="The previous release (UPGRADE_FROM; default: the latest tag).",
    )
    parser.add_argument(
        "--data",
        default=os.environ.get("UPGRADE_DATA") or None,
        help="Shell command that fills the old schema (UPGRADE_DATA).",
    )
    parser.add_argument("--data-in", choices=["old", "new"], default="old")
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--large-rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://... (its server is used; its database is not).")
    ref = args.ref or previous_release()
    commit = git("rev-parse", "--short", f"{ref}^{{commit}}")
    base_name = urlsplit(server_url).path.lstrip("/") or "clinic"
    name = f"{base_name}_upgrade_{uuid.uuid4().hex[:8]}"
    database_url = with_database(server_url, name)
    print(f"Upgrade from {ref} ({commit}) to {git('describe', '--tags', '--always', '--dirty')}")
    print(f"Database {name} on {urlsplit(server_url).hostname}")
    execute(with_database(server_url, "postgres"), f'CREATE DATABASE "{name}"')
    failed = True
    try:
        with tempfile.TemporaryDirectory(prefix="clinic-release-") as old:
            old_tree = Path(old)
            export_release(commit, old_tree)
            env = environment(database_url, old_tree)
            timed(
                f"migrate the empty database to {ref}'s schema",
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=old_tree,
                env=env,
            )
            data = args.data or '"$PYTHON" manage.py seed_demo --no-accounts'
            timed(
                f"data ({data}, in the {args.data_in} tree)",
                ["sh", "-c", data],
                cwd=old_tree if args.data_in == "old" else HERE,
                env=env,
            )
        execute(database_url, "VACUUM ANALYZE")
        failed = forward(database_url, args)
    finally:
        if args.keep:
            print(f"Kept the database: {name}")
        else:
            execute(with_database(server_url, "postgres"), f'DROP DATABASE "{name}" WITH (FORCE)')
    sys.exit(1 if failed else 0)


def forward(database_url, args):
    """This checkout's migrations on that data, one at a time. True if one is slow
    or rewrites a large table without saying so in its name."""
    os.environ.update(environment(database_url, ""))
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    with connection.cursor() as cursor:
        tables, _ = tables_state(cursor)
        biggest = sorted(tables.items(), key=lambda item: -item[1][1])[:6]
        print("Largest tables: " + ", ".join(f"{t} {exact_rows(cursor, t)}" for t, _ in biggest))
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        print("No migration between the two releases.")
        return False
    print(f"\n{'migration':<58} {'seconds':>8}  rewritten or indexed (rows)")
    unsaid = []
    total = 0.0
    for migration, _ in plan:
        label = f"{migration.app_label}.{migration.name}"
        with connection.cursor() as cursor:
            before, indexes_before = tables_state(cursor)
        out = StringIO()
        started = time.monotonic()
        # Verbosity 2 for migrate's own timing; what post_migrate handlers print at that
        # verbosity goes to the same buffer, not between the lines of the table.
        with redirect_stdout(out):
            call_command("migrate", migration.app_label, migration.name, verbosity=2, stdout=out)
        wall = time.monotonic() - started
        applied = re.search(r"Applying \S+\.\.\. OK \(([\d.]+)s\)", out.getvalue())
        seconds = float(applied.group(1)) if applied else wall
        total += seconds
        with connection.cursor() as cursor:
            after, indexes_after = tables_state(cursor)
            rewritten = {
                table: before[table][1]
                for table, (node, _) in after.items()
                if table in before and before[table][0] != node
            }
            indexed = {
                index: after.get(table, (0, 0))[1]
                for index, table in indexes_after.items()
                if index not in indexes_before and table in before
            }
        notes = [f"rewrote {t} ({rows})" for t, rows in rewritten.items()]
        notes += [f"index {i} ({rows})" for i, rows in indexed.items()]
        large = any(rows >= args.large_rows for rows in rewritten.values())
        says_so = any(marker in migration.name for marker in MARKERS)
        flag = ""
        if (seconds > args.slow_seconds or large) and not says_so:
            flag = "  <-- slow or rewrites a large table; its name does not say so"
            unsaid.append(label)
        print(f"{label:<58} {seconds:8.2f}  {'; '.join(notes)}{flag}", flush=True)
    print(f"{'all ' + str(len(plan)) + ' migrations':<58} {total:8.2f}")
    if unsaid:
        print(
            f"\n{len(unsaid)} migration(s) hold the site up without saying so "
            f"(over {args.slow_seconds} s, or a rewrite of {args.large_rows}+ rows): "
            f"{', '.join(unsaid)}. Name them with 'slow' or 'rewrite' and explain them in "
            "the README's upgrade notes, or make them cheap."
        )
    return bool(unsaid)


if __name__ == "__main__":
    main()
