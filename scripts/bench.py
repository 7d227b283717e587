"""Figures for `make bench` (run by scripts/bench.sh against a running production setup).

Usage: bench.py BASE_URL SECONDS CONNECTIONS

The submission figures come three times: without a worker (the emails only queue),
then with a live `manage.py run_worker` sending them to a loopback SMTP server
(aiosmtpd, tests/core/smtp.py) that accepts, then to one that hangs.
"""

import gzip
import http.client
import math
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import Request, urlopen

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from appointments.models import AppointmentRequest  # noqa: E402
from core.models import Email  # noqa: E402
from education.models import Article  # noqa: E402
from tests.core.smtp import ACCEPT, HANG, SMTPServer  # noqa: E402


def fetch(url):
    request = Request(url, headers={"Accept-Encoding": "gzip"})
    with urlopen(request, timeout=10) as response:  # loopback only
        return response.read(), response.headers


class Assets(HTMLParser):
    """Collects what a browser would download for a page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in {"stylesheet", "icon"}:
            self.urls.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.urls.append(attrs["src"])


def page_weight(url):
    """Compressed bytes of the page and everything it loads, and the HTML alone."""
    body, _ = fetch(url)
    html = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    parser = Assets()
    parser.feed(html.decode())
    total = len(body)
    for asset in parser.urls:
        total += len(fetch(urljoin(url, asset))[0])
    total += len(fetch(urljoin(url, "/favicon.ico"))[0])
    return total, len(body)


def query_counts(path):
    """Queries to render the page (footer already cached), then to serve it again."""
    client = Client()
    client.get("/locations/")  # warms what every page shares: footer, next publication
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(queries))
    return counts


def wrk(url, seconds, connections):
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (
        rps,
        latency.get("50", "?"),
        latency.get("99", "?"),
        int(errors.group(1)) if errors else 0,
    )


def static_of_similar_size(base, compressed_size):
    """A collected static file whose compressed size is closest to the page's."""
    root = BASE_DIR / "staticfiles"
    best = None
    for path in root.rglob("*.gz"):
        size = path.stat().st_size
        if best is None or abs(size - compressed_size) < abs(best[1] - compressed_size):
            best = (path, size)
    relative = best[0].relative_to(root).as_posix()[: -len(".gz")]
    return urljoin(base, "/static/" + relative), best[1]


class Submitter(threading.Thread):
    """Fills in and sends the Request Appointment form, like a patient, in a loop."""

    FIELDS = {
        "first_name": "Bench",
        "last_name": "Patient",
        "phone": "(614) 555-0123",
        "preferred_contact": "phone",
        "preferred_time": "any",
        "is_new_patient": "yes",
        "reason": "Benchmark request",
        "consent": "on",
    }

    def __init__(self, base, deadline):
        super().__init__()
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.deadline = deadline
        self.successes = self.failures = 0
        self.post_seconds = []  # each POST, sent to answered

    def run(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        while time.monotonic() < self.deadline:
            cookies = {}
            conn.request("GET", "/appointments/request/")
            response = conn.getresponse()
            html = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, value = header.split(";")[0].split("=", 1)
                cookies[name] = value
            form = {
                n: v
                for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
            }
            form.pop("website", None)
            location = re.search(r'name="location" value="(\d+)"', html)
            if location:
                form["location"] = location.group(1)
            form.update(self.FIELDS)
            body = "&".join(f"{k}={v}" for k, v in form.items()).replace(" ", "+")
            start = time.monotonic()
            conn.request(
                "POST",
                "/appointments/request/",
                body=body.encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                    "Referer": f"http://{self.host}:{self.port}/appointments/request/",
                },
            )
            response = conn.getresponse()
            response.read()
            self.post_seconds.append(time.monotonic() - start)
            if response.status == 302 and "received" in response.headers.get("Location", ""):
                self.successes += 1
            else:
                self.failures += 1


def p99(seconds):
    ordered = sorted(seconds)
    return ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)] if ordered else float("nan")


def submissions(base, seconds, threads=8):
    before = AppointmentRequest.objects.count()
    deadline = time.monotonic() + seconds
    workers = [Submitter(base, deadline) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ok = sum(w.successes for w in workers)
    failed = sum(w.failures for w in workers)
    rows = AppointmentRequest.objects.count() - before
    latency = p99([s for w in workers for s in w.post_seconds])
    return ok / seconds, ok, failed, rows, latency


def submissions_line(label, rate, ok, failed, rows, latency):
    return (
        f"{label}: {rate:.0f} valid POST/s, p99 {latency * 1000:.0f} ms "
        f"({ok} accepted, {failed} refused), "
        f"{rows} new rows: {'rows == successes' if rows == ok else 'MISMATCH'}"
    )


class Worker:
    """`manage.py run_worker` as production runs it, mail to the loopback SMTP server."""

    def __init__(self, smtp_port):
        env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "0",
        }
        log_dir = Path(os.environ.get("PROD_DIR") or tempfile.mkdtemp(prefix="clinic-bench-"))
        self.log_path = log_dir / "worker.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--worker-id", "bench"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        # SIGTERM lets it finish the email in hand; one stuck on a hung server is killed.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def wait_until_sent(emails, seconds):
    """Seconds until every one of these emails is sent, or None if some still wait."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if not emails.exclude(status=Email.Status.SENT).exists():
            return time.monotonic() - start
        time.sleep(0.2)
    return None


def last_email_pk():
    last = Email.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


SMTP_STATES = {ACCEPT: "accepting", HANG: "hanging"}


def submissions_with_worker(base, seconds):
    """Valid submissions with a live worker, the SMTP server accepting, then hanging.
    Returns False if a figure is wrong (rows, or emails lost or sent twice)."""
    right = True
    with SMTPServer(ACCEPT) as smtp:
        worker = Worker(smtp.port)
        try:
            backlog = Email.objects.waiting()
            waiting = backlog.count()
            drained = wait_until_sent(backlog, 300)
            print(
                f"worker: the {waiting} email(s) queued so far sent in "
                + (f"{drained:.1f} s" if drained is not None else "over 300 s (NOT DRAINED)")
            )
            for mode in (ACCEPT, HANG):
                smtp.set_mode(mode)
                first = last_email_pk()
                counts = submissions(base, seconds)
                right &= counts[1] == counts[3]
                queued = Email.objects.filter(pk__gt=first)
                label = f"submissions, live worker, SMTP {SMTP_STATES[mode]}"
                print(submissions_line(label, *counts))
                if mode == ACCEPT:
                    drained = wait_until_sent(queued, 300)
                    ids = {email.message_id for email in queued}
                    received = smtp.received_ids()
                    arrived = {m: received[m] for m in ids if m in received}
                    sent = queued.filter(status=Email.Status.SENT).count()
                    each_once = sent == len(ids) == len(arrived) and set(arrived.values()) <= {1}
                    right &= drained is not None and each_once
                    print(
                        f"  emails: {len(ids)} queued, {sent} sent "
                        + (
                            f"(all {drained:.1f} s after the last POST)"
                            if drained is not None
                            else "(NOT DRAINED within 300 s)"
                        )
                        + f", {sum(arrived.values())} at the SMTP server: "
                        + ("sent == queued, each once" if each_once else "MISMATCH")
                    )
                else:
                    total = queued.count()
                    sent = queued.filter(status=Email.Status.SENT).count()
                    still = queued.filter(status=Email.Status.WAITING).count()
                    right &= sent == 0 and still == total
                    print(
                        f"  emails: {total} queued, {sent} sent, {still} still waiting "
                        f"({smtp.hung_connections} SMTP connection(s) hung)"
                    )
        finally:
            worker.stop()
    if not right:
        print(f"  (the worker's log: {worker.log_path})")
    return right


def main():
    base, seconds, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    article = Article.objects.published().get(slug="whats-next-if-facet-joint-injections-dont-work")
    pages = {"home": "/", "article list": "/articles/", "article": article.get_absolute_url()}

    print(
        f"# bench {date.today()} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}), "
        f"wrk {connections} connections x {seconds}s, gzip"
    )
    print(
        f"{'page':<14}{'queries':>8}{'KB all (gz)':>13}{'req/s':>9}{'p50':>9}{'p99':>9}"
        f"{'static req/s':>14}{'ratio':>7}"
    )
    for name, path in pages.items():
        rendered, served = query_counts(path)
        total, html = page_weight(base + path)
        static_url, _ = static_of_similar_size(base, html)
        static_rps = wrk(static_url, seconds, connections)[0]
        rps, p50, p99, errors = wrk(base + path, seconds, connections)
        queries = f"{rendered}/{served}"
        print(
            f"{name:<14}{queries:>10}{total / 1024:>13.1f}{rps:>9.0f}{p50:>9}{p99:>9}"
            f"{static_rps:>14.0f}{rps / static_rps:>7.2f}"
            + (f"  ({errors} non-2xx!)" if errors else "")
        )

    counts = submissions(base, seconds)
    print(submissions_line("submissions, no worker", *counts))
    right = counts[1] == counts[3]
    right &= submissions_with_worker(base, seconds)
    if not right:
        sys.exit(1)


if __name__ == "__main__":
    main()
