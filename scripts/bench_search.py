"""Search, article list and topic page times at 40, 500 and 3,000 published articles
(`make bench-search`; issue 24's budgets: each search <= 30 ms warm and <= 100 ms for
the first search after a content change, list and topic pages <= 30 ms).

Usage: bench_search.py [SIZES...]   (default: 40 500 3000)

Runs in a database of its own, BENCH_SEARCH_DATABASE (clinic_bench_search, dropped and
created again) on the server DATABASE_URL names, with production settings (DEBUG off,
the site's own cache set-up) and Django's test client. The demo content gives the 40
starter articles (20 English, 20 Spanish); larger libraries add copies of them, half
in each language, each with its own title, its paragraphs in another order and one
paragraph of another article, so the words and their spread vary as in a real library.

Each page is asked for with a session cookie, as a page no cache in front has kept.
Per row: "warm", 7 requests after one; "first after change", 3 requests each made
right after an article is saved (what publishing does); each as the best and the
median (the best is what the code costs; the median adds what other processes on a
shared machine cost it), and "(SQL)", the part of the best request spent in its
database queries (Django's own timing of each query); "CPU", the median CPU time a
request took in this process and in its PostgreSQL server process, which is what it
would take on an idle machine, however busy this one is. Before each size, the word list
is rebuilt as the worker would after articles change, and that time printed.
"""

import os
import random
import re
import statistics
import sys
import time
from contextlib import redirect_stdout
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DATABASE = os.environ.get("BENCH_SEARCH_DATABASE", "clinic_bench_search")


def own_database():
    """DATABASE_URL's server with the benchmark's database, freshly created."""
    import psycopg2

    server = os.environ.get("DATABASE_URL", "").strip()
    if not server:
        sys.exit("DATABASE_URL is not set: run this through scripts/with-postgres")
    parts = urlsplit(server)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
        cursor.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    admin.close()
    return urlunsplit(parts._replace(path="/" + BENCH_DATABASE))


os.environ["DATABASE_URL"] = own_database()
os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-search-only-" + "x" * 40)
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from education import search  # noqa: E402
from education.models import Article, Topic  # noqa: E402

SIZES = [int(size) for size in sys.argv[1:]] or [40, 500, 3000]
# (label, address): English, a typo, Spanish typed without accents, then the lists.
PAGES = [
    ("search en: sciatica", "/articles/?q=sciatica"),
    ("search en: facet injection", "/articles/?q=facet+injection"),
    ("search en: back pain", "/articles/?q=back+pain"),
    ("search typo: sciatca", "/articles/?q=sciatca"),
    ("search typo: injction", "/articles/?q=injction+shots"),
    ("search es: ciatica", "/es/articles/?q=ciatica"),
    ("search es: inyeccion epidural", "/es/articles/?q=inyeccion+epidural"),
    ("article list en", "/articles/"),
    ("article list es", "/es/articles/"),
    ("topic page en", None),  # filled in once the topics exist
]
QUALIFIERS = {
    "en": [
        "what to expect",
        "questions patients ask",
        "a closer look",
        "for older adults",
        "at work",
        "after surgery",
        "for athletes",
        "the first weeks",
        "myths and facts",
        "when to call us",
    ],
    "es": [
        "qué esperar",
        "preguntas frecuentes",
        "una mirada de cerca",
        "en personas mayores",
        "en el trabajo",
        "después de la cirugía",
        "para deportistas",
        "las primeras semanas",
        "mitos y realidades",
        "cuándo llamarnos",
    ],
}
BLOCK = re.compile(r"<(p|h2|h3|ul|ol|blockquote)\b.*?</\1>", re.S)


def grow_library(size, rng):
    """Add copies of the starter articles until ``size`` are published, half in each
    language. Written with bulk_create: the starter bodies are already sanitised."""
    starters = {
        language: list(
            Article.objects.filter(language=language, slug__in=STARTER_SLUGS).prefetch_related(
                "topics"
            )
        )
        for language in ("en", "es")
    }
    through = Article.topics.through
    now = timezone.now()
    for language, originals in starters.items():
        have = Article.objects.published().filter(language=language).count()
        new, topics = [], []
        for number in range(have, size // 2):
            original = originals[number % len(originals)]
            blocks = [match.group(0) for match in BLOCK.finditer(original.body)]
            rng.shuffle(blocks)
            borrowed = rng.choice(originals).body
            blocks.append(rng.choice([match.group(0) for match in BLOCK.finditer(borrowed)]))
            qualifier = rng.choice(QUALIFIERS[language])
            new.append(
                Article(
                    title=f"{original.title}: {qualifier}"[:200],
                    slug=f"{original.slug}-{number}",
                    summary=original.summary,
                    body="\n".join(blocks),
                    language=language,
                    status=Article.Status.PUBLISHED,
                    publish_at=now - timedelta(days=rng.randint(1, 2000)),
                    author_id=original.author_id,
                    reviewer_id=original.reviewer_id,
                    reviewed_on=original.reviewed_on,
                )
            )
            topics.append([topic.pk for topic in original.topics.all()])
        created = Article.objects.bulk_create(new, batch_size=500)
        through.objects.bulk_create(
            [
                through(article_id=article.pk, topic_id=topic_id)
                for article, topic_ids in zip(created, topics, strict=True)
                for topic_id in topic_ids
            ],
            batch_size=2000,
        )


def timed(client, url):
    """(ms for the whole request, ms its SQL took in PostgreSQL and the driver, ms of
    CPU it cost here and in its PostgreSQL server process, response)."""
    with CaptureQueriesContext(connection) as queries:
        cpu = cpu_ns()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (cpu_ns() - cpu) / 1e6
    assert response.status_code == 200, (url, response.status_code)
    sql = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return elapsed, sql, cpu, response


def cpu_ns():
    """CPU time so far of this process and of the PostgreSQL process serving it (the
    kernel's run time of it, /proc/PID/schedstat): what a request costs whatever else
    the machine is doing, as wall-clock time on a busy machine does not say."""
    if not hasattr(cpu_ns, "backend"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            cpu_ns.backend = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    try:
        backend = int(cpu_ns.backend.read_text().split()[0])
    except OSError:  # PostgreSQL on another machine: this process only
        backend = 0
    return time.process_time_ns() + backend


def change_an_article(rng):
    """What publishing or editing an article does: save it."""
    article = Article.objects.published().filter(slug__in=STARTER_SLUGS).order_by("?").first()
    article.summary = article.summary.rstrip(" ·") + rng.choice(["", " ·"])
    article.save()


def found(response):
    """How many results the search page says it found (a check that it searched)."""
    match = re.search(
        rb"(\d+)\s+(?:articles?|art\xc3\xadculos?)\s+(?:found|encontrados?)", response.content
    )
    return match.group(1).decode() if match else "-"


def measure(size, rng):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "bench-search"  # past any page cache
    rows = []
    for label, url in PAGES:
        timed(client, url)
        warm = [timed(client, url) for _ in range(7)]
        firsts = []
        for _ in range(3):
            change_an_article(rng)
            firsts.append(timed(client, url))
        rows.append((size, label, summary(warm), summary(firsts), found(firsts[-1][3])))
    return rows


def summary(times):
    """(best, median) of the requests' times, the best one's SQL time, and the
    median CPU time."""
    best = min(times, key=lambda timing: timing[0])
    median = statistics.median(elapsed for elapsed, *_ in times)
    return best[0], median, best[1], statistics.median(cpu for _, _, cpu, _ in times)


def main():
    with redirect_stdout(StringIO()):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--no-accounts", verbosity=0)
    global STARTER_SLUGS
    STARTER_SLUGS = list(Article.objects.values_list("slug", flat=True))
    topic = Topic.objects.filter(language="en", articles__isnull=False).first()
    PAGES[-1] = ("topic page en", topic.get_absolute_url())
    rng = random.Random(24)  # noqa: S311 (the same variations on every run)
    print(f"database {BENCH_DATABASE}, DEBUG {settings.DEBUG}, times in ms")
    print(
        f"{'articles':>8}  {'page':<30} {'warm: CPU':>9} {'best':>6} {'median':>7} "
        f"{'(SQL)':>6} {'1st after change: CPU':>22} {'best':>6} {'median':>7} "
        f"{'(SQL)':>6} {'found':>6}"
    )
    for size in SIZES:
        grow_library(size, rng)
        published = Article.objects.published().count()
        with connection.cursor() as cursor:
            # As autovacuum would soon after a bulk load: statistics, and the visibility
            # map that lets a query read an index alone.
            cursor.execute("VACUUM ANALYZE")
        refresh = getattr(search, "refresh_words", None)
        if refresh is not None:  # what the worker does after articles change
            started = time.perf_counter()
            refresh()
            elapsed = (time.perf_counter() - started) * 1000
            print(f"{published:>8}  {'word list refresh (worker)':<30} {elapsed:>10.1f}")
        for size_, label, warm, first, count in measure(published, rng):
            print(
                f"{size_:>8}  {label:<30} {warm[3]:>9.1f} {warm[0]:>6.1f} {warm[1]:>7.1f} "
                f"{warm[2]:>6.1f} {first[3]:>22.1f} {first[0]:>6.1f} {first[1]:>7.1f} "
                f"{first[2]:>6.1f} {count:>6}",
                flush=True,
            )


STARTER_SLUGS = []

if __name__ == "__main__":
    from django.test.utils import override_settings

    # Static file names as written: the manifest needs a collectstatic this does not need.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        main()
