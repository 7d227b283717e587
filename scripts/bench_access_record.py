"""How fast a request's page finds who has looked at it, with six years of access record.

Fills the access record (in one transaction, rolled back at the end: nothing is kept)
with ROWS single-request rows and LISTS list rows of 50 references each, then times
the request page's query (AccessRecord.objects.about(reference)[:10]) and the manager's
count for one reference, with the trigram index of core/migrations/0004 and without it.

    DJANGO_DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python scripts/bench_access_record.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from core.models import AccessRecord  # noqa: E402

ROWS = int(os.environ.get("ROWS", 1_000_000))
LISTS = int(os.environ.get("LISTS", 100_000))
INDEX = "core_accessrecord_refs_trgm"


class Rollback(Exception):
    pass


def timed(label, run, repeat=5):
    best = min(timing(run) for _ in range(repeat))
    print(f"{label}: {best * 1000:.1f} ms (best of {repeat})")


def timing(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main():
    assert connection.vendor == "postgresql", "PostgreSQL only (set DATABASE_URL)"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute(
                """INSERT INTO core_accessrecord
                   (at, username, action, "references", count, detail)
                   SELECT now() - make_interval(mins => i), 'fd', 'viewed',
                          ' AR-' || lpad(upper(to_hex(mod(i, 300000))), 5, '0') || ' ', 1, ''
                   FROM generate_series(1, %s) AS i""",
                [ROWS],
            )
            cursor.execute(
                """INSERT INTO core_accessrecord
                   (at, username, action, "references", count, detail)
                   SELECT now() - make_interval(mins => i), 'fd', 'listed',
                          ' ' || (SELECT string_agg('AR-' || lpad(upper(to_hex(mod(i * 50 + j,
                                  300000))), 5, '0'), ' ') FROM generate_series(1, 50) AS j)
                          || ' ', 50, ''
                   FROM generate_series(1, %s) AS i""",
                [LISTS],
            )
            cursor.execute("ANALYZE core_accessrecord")
            took = time.perf_counter() - start
            print(f"{ROWS} single and {LISTS} list rows written in {took:.0f} s")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('core_accessrecord'))")
            print(f"table and indexes: {cursor.fetchone()[0]}")
            reference = "AR-0ABCD"

            def page():
                return list(AccessRecord.objects.about(reference)[:10])

            def count():
                return AccessRecord.objects.about(reference).count()

            print(f"rows naming {reference}: {count()}")
            timed("request page's latest 10, with the index", page)
            timed("count for one request, with the index", count)
            cursor.execute(f"DROP INDEX {INDEX}")
            timed("request page's latest 10, without it", page, repeat=2)
            timed("count for one request, without it", count, repeat=2)
            raise Rollback
    except Rollback:
        print("rolled back: nothing kept")


if __name__ == "__main__":
    main()
