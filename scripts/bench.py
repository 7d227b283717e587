"""Figures for `make bench` (run by scripts/bench.sh against a running production setup).

Usage: bench.py BASE_URL SECONDS CONNECTIONS

Each line is wrk (for submissions, with scripts/bench_pairs.lua: 8 connections, each
fetching the form and sending it filled in, like a patient; for the POSTs alone, 8
Python threads sending forms fetched beforehand) against gunicorn, or against nginx
running deploy/nginx.conf in front of it, with the worker CPU it cost per request: utime
+ stime of every gunicorn worker process from /proc, before and after the run (workers
restarted during the run are counted through the master's cutime + cstime), divided by
the requests completed. The lines: through nginx (HTTPS), an article kept by nginx's
cache and the site's CSS file (the ceiling the kept article is compared with), then
valid submissions with nginx's rate limit raised for the bench; straight to gunicorn,
the article and the home page and article list uncached (a session cookie: no cache of
any kind answers), the request form GET, valid submissions (GET + POST pairs) and then
valid POSTs alone. After the submissions through nginx, a line gives what else a pair
cost (PostgreSQL's backends for the bench database, nginx, this client and its wrk) and
how busy the machine's cores were with other programs; then valid POSTs alone through
nginx (forms fetched beforehand).

Then, unless BENCH_WORKER=0, the submission figures twice more with a live `manage.py
run_worker` sending to a loopback SMTP server (aiosmtpd, tests/core/smtp.py) that
accepts, then hangs.
"""

import contextlib
import gzip
import http.client
import logging
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
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()
logging.getLogger("appointments").setLevel(logging.WARNING)  # one line per request

from bench_instructions import FIELDS  # noqa: E402 (scripts/, this script's folder)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from appointments.models import AppointmentRequest  # noqa: E402
from core.models import Email  # noqa: E402
from education.models import Article  # noqa: E402
from tests.core.smtp import ACCEPT, HANG, SMTPServer  # noqa: E402
from tests.hardening import proxy  # noqa: E402
from tests.hardening.test_abuse import free_port  # noqa: E402


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


def query_counts(path, with_session=False):
    """Queries to render the page (what every page shares already warm), then to render
    it again (0 when every piece is in the fragments' cache)."""
    client = Client()
    if with_session:
        client.cookies[settings.SESSION_COOKIE_NAME] = "bench-no-such-session"
    client.get("/locations/")  # warms what every page shares: footer, next publication
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(queries))
    return counts


def post_statements():
    """SQL statements of one valid POST of the request form, counted in this process
    against the same database and cache as the server."""
    client = Client()
    html = client.get("/appointments/request/").content.decode()
    form = hidden_fields(html)
    form.update(FIELDS)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/appointments/request/",
            urlencode(form, doseq=True),
            content_type="application/x-www-form-urlencoded",  # as a browser sends it
        )
    assert response.status_code == 302, response.status_code
    return len(queries)


def hidden_fields(html):
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    form.pop("website", None)
    location = re.search(r'name="location" value="(\d+)"', html)
    if location:
        form["location"] = location.group(1)
    return form


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name (state is [0])."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


class WorkerCPU:
    """CPU seconds used by gunicorn's workers: each live worker's utime + stime, plus
    the master's cutime + cstime (the workers it has reaped, e.g. after max_requests)."""

    def __init__(self, master_pid):
        self.master = int(master_pid)

    def workers(self):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int(proc_stat(entry.name)[1]) == self.master:
                        pids.append(int(entry.name))
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
        return pids

    def seconds(self):
        fields = proc_stat(self.master)
        ticks = int(fields[13]) + int(fields[14])  # cutime, cstime
        for pid in self.workers():
            try:
                worker = proc_stat(pid)
            except FileNotFoundError:  # exited between the listing and now
                continue
            ticks += int(worker[11]) + int(worker[12])  # utime, stime
        return ticks / CLOCK_TICKS

    def __enter__(self):
        self.start = self.seconds()
        return self

    def __exit__(self, *exc):
        self.used = self.seconds() - self.start

    def per_request_ms(self, requests):
        return self.used * 1000 / requests if requests else float("nan")


class StackCPU:
    """CPU seconds used during a run by what a submission passes through besides the
    workers (PostgreSQL's backends for the bench database, nginx's workers, this
    client), and by the whole machine (/proc/stat): the rest is other programs'."""

    def __init__(self, database, nginx_pid):
        self.database, self.nginx_pid = f" {database} ", nginx_pid

    def sample(self):
        used = {"postgres": 0, "nginx": 0}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = proc_stat(entry.name)
                command = Path(entry, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            ticks = int(fields[11]) + int(fields[12])
            if command.startswith("postgres:") and self.database in command:
                used["postgres"] += ticks
            elif int(fields[1]) == self.nginx_pid:
                used["nginx"] += ticks
        used = {name: ticks / CLOCK_TICKS for name, ticks in used.items()}
        own = os.times()  # this process and the wrk it has run and waited for
        used["client"] = own.user + own.system + own.children_user + own.children_system
        busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        # user, nice, system, irq, softirq, steal (not idle, iowait, guest)
        used["machine"] = sum(int(busy[i]) for i in (0, 1, 2, 5, 6, 7)) / CLOCK_TICKS
        return used

    def __enter__(self):
        self.start, self.wall = self.sample(), time.monotonic()
        return self

    def __exit__(self, *exc):
        end, self.seconds = self.sample(), time.monotonic() - self.wall
        self.used = {name: end[name] - self.start[name] for name in end}


def stack_line(stack, workers, pairs):
    """Where a pair's CPU went besides the workers, and who else used the machine."""
    per_pair = {name: seconds * 1000 / pairs for name, seconds in stack.used.items()}
    ours = workers.used + sum(stack.used[name] for name in ("postgres", "nginx", "client"))
    cores = os.cpu_count()
    return (
        f"  CPU a pair besides the workers: PostgreSQL {per_pair['postgres']:.1f} ms, "
        f"nginx {per_pair['nginx']:.1f} ms, this client {per_pair['client']:.1f} ms; "
        f"the {cores} cores were {stack.used['machine'] / stack.seconds:.1f} busy, "
        f"{max(0, stack.used['machine'] - ours) / stack.seconds:.1f} of them other programs"
    )


def wrk(url, seconds, connections, headers=()):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in ("Accept-Encoding: gzip", *headers):
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    latency = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": total,
        "p50": latency.get("50", "?"),
        "p99": latency.get("99", "?"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def css_url(base, html_path):
    """The site's stylesheet, as the page links it (hashed name, served by WhiteNoise)."""
    html = fetch(base + html_path)[0]
    html = gzip.decompress(html) if html[:2] == b"\x1f\x8b" else html
    return urljoin(
        base, re.search(rb'<link rel="stylesheet" href="([^"]+)"', html).group(1).decode()
    )


class Submitter(threading.Thread):
    """For the POSTs alone (posts_alone()): fetches forms into ``collect``, or sends
    forms fetched beforehand, each taken from ``forms`` (a list shared by the threads)
    and filled in like a patient. The pairs are wrk's (submissions())."""

    def __init__(self, base, deadline, forms=None, collect=None):
        super().__init__()
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        # Through nginx: HTTPS, under the site's name (what the browser would send).
        self.tls = parts.scheme == "https"
        self.site = proxy.SERVER_NAME if self.tls else f"{self.host}:{self.port}"
        self.deadline = deadline
        self.forms = forms
        self.collect = collect  # a list to fill with fetched forms instead of posting
        self.successes = self.failures = 0
        self.post_seconds = []  # each POST, sent to answered

    def get_form(self, conn):
        conn.request("GET", "/appointments/request/", headers={"Host": self.site})
        response = conn.getresponse()
        html = response.read().decode()
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";")[0].split("=", 1)
            cookies[name] = value
        return cookies, hidden_fields(html)

    def post(self, conn, cookies, form):
        form = {**form, **FIELDS}
        body = "&".join(f"{k}={v}" for k, v in form.items()).replace(" ", "+")
        start = time.monotonic()
        conn.request(
            "POST",
            "/appointments/request/",
            body=body.encode(),
            headers={
                "Host": self.site,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "Referer": f"{'https' if self.tls else 'http'}://{self.site}/appointments/request/",
            },
        )
        response = conn.getresponse()
        response.read()
        self.post_seconds.append(time.monotonic() - start)
        if response.status == 302 and "received" in response.headers.get("Location", ""):
            self.successes += 1
        else:
            self.failures += 1

    def run(self):
        if self.tls:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=10, context=NGINX_TLS)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        while time.monotonic() < self.deadline:
            if self.collect is not None:
                self.collect.append(self.get_form(conn))
                continue
            try:
                cookies, form = self.forms.pop()
            except IndexError:
                return
            self.post(conn, cookies, form)


PAIRS_SCRIPT = BASE_DIR / "scripts" / "bench_pairs.lua"

# The client side of the bench nginx's certificate (nginx_in_front()).
NGINX_TLS = None


def nginx_in_front(base):
    """nginx with deploy/nginx.conf (as tests/hardening/proxy.py renders it) in front of
    the gunicorn at ``base``, serving collectstatic's output; its rate limit on the form
    raised for the bench only. Returns the running nginx and its HTTPS base URL."""
    global NGINX_TLS
    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-nginx-"))
    certificate, key = proxy.make_certificate(workdir)
    http_port, https_port = free_port(), free_port()
    site = proxy.render_site_config(
        http_port=http_port,
        https_port=https_port,
        upstream=f"127.0.0.1:{urlsplit(base).port}",
        static_root=settings.STATIC_ROOT,
        media_root=workdir,
        certificate=certificate,
        key=key,
        workdir=workdir,
        purge_port=free_port(),
    )
    site = site.replace("rate=30r/m", "rate=1000000r/s")
    NGINX_TLS = proxy.client_tls_context(certificate)
    nginx = proxy.start_nginx(workdir, site, http_port, https_port, NGINX_TLS)
    return nginx, f"https://127.0.0.1:{https_port}"


def through_nginx(url):
    """The compressed size of a 200 from nginx, under the site's name, and what nginx's
    cache did (None for a static file)."""
    request = Request(url, headers={"Host": proxy.SERVER_NAME, "Accept-Encoding": "gzip"})
    with urlopen(request, timeout=10, context=NGINX_TLS) as response:
        body = response.read()
        assert response.status == 200 and response.url == url, response.url
        return len(body), response.headers["X-Cache-Status"]


def p99(seconds):
    ordered = sorted(seconds)
    return ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)] if ordered else float("nan")


def run_submitters(base, seconds, threads=8, **kwargs):
    deadline = time.monotonic() + seconds
    workers = [Submitter(base, deadline, **kwargs) for _ in range(threads)]
    start = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return workers, time.monotonic() - start


def submissions(base, seconds, threads=8, cpu=None, stack=None):
    """Valid GET + POST pairs for ``seconds`` by wrk (scripts/bench_pairs.lua, one
    connection per thread, each thread stopping at its first answer after ``seconds``
    so that no POST is left in flight): (per second, accepted, refused, new rows, POST
    p99 in seconds). The worker CPU is measured by ``cpu`` if given, and what the
    rest of the machine used by ``stack`` (wrk is then this client's child)."""
    parts = urlsplit(base)
    site = proxy.SERVER_NAME if parts.scheme == "https" else parts.netloc
    args = ["wrk", f"-t{threads}", f"-c{threads}", f"-d{seconds + 3}s", "-s", str(PAIRS_SCRIPT)]
    args += [f"{base}/appointments/request/", "--", site, parts.scheme, str(seconds)]
    before = AppointmentRequest.objects.count()
    with cpu or contextlib.nullcontext(), stack or contextlib.nullcontext():
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    found = re.search(
        r"pairs: (\d+) accepted, (\d+) refused, ([\d.]+) s, POST p99 ([\d.]+) ms", out
    )
    assert found, out
    ok, failed = int(found.group(1)), int(found.group(2))
    taken, latency = float(found.group(3)), float(found.group(4)) / 1000
    assert taken > 0, f"no connection answered after {seconds} s:\n{out}"
    if stack:
        stack.seconds = taken  # wrk waits out its -d after its threads have stopped
    rows = AppointmentRequest.objects.count() - before
    return ok / taken, ok, failed, rows, latency


def posts_alone(base, count, cpu, threads=8):
    """``count`` forms fetched first, then only their POSTs, timed and measured."""
    forms = []
    while len(forms) < count:
        run_submitters(base, 1, threads, collect=forms)
    forms = forms[:count]
    before = AppointmentRequest.objects.count()
    with cpu:
        workers, elapsed = run_submitters(base, 600, threads, forms=forms)
    ok = sum(w.successes for w in workers)
    failed = sum(w.failures for w in workers)
    rows = AppointmentRequest.objects.count() - before
    latency = p99([s for w in workers for s in w.post_seconds])
    return ok / elapsed, ok, failed, rows, latency


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


LINE = "{:<34}{:>8}{:>8}{:>9}{:>9}{:>9}{:>9}{:>8}"


def print_line(name, rps, cpu_ms, p50="", p99="", queries="", kb="", note=""):
    print(
        LINE.format(name, f"{rps:.0f}", f"{cpu_ms:.1f}", p50, p99, queries, kb, "")
        + (f"  {note}" if note else "")
    )


def submission_line(name, counts, cpu, note="", sql=""):
    """A line of submissions (submissions() or posts_alone()); True when every
    accepted one is a new row."""
    rate, ok, failed, rows, latency = counts
    said = f"{note}; " if note else ""
    print_line(
        name,
        rate,
        cpu.per_request_ms(ok + failed),
        "",
        f"{latency * 1000:.0f}ms",
        sql,
        note=f"{said}{ok} accepted, {failed} refused, {rows} rows: "
        + ("rows == successes" if rows == ok else "MISMATCH"),
    )
    return rows == ok


def main():
    base, seconds, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cpu = WorkerCPU(Path(os.environ["PROD_DIR"], "gunicorn.pid").read_text())
    article = Article.objects.published().get(slug="whats-next-if-facet-joint-injections-dont-work")
    article_path = article.get_absolute_url()
    # Any session cookie: no cache answers (the app keeps no page), the page is rendered.
    session = (f"Cookie: {settings.SESSION_COOKIE_NAME}=bench-no-such-session",)

    print(
        f"# bench {date.today()} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}), gunicorn "
        f"{len(cpu.workers())} workers, {os.environ.get('BENCH_GUNICORN', 'gunicorn.conf.py')}; "
        f"wrk -t2 -c{connections} -d{seconds}s, gzip"
    )
    print("# cpu ms: worker CPU per request, summed over the gunicorn workers (/proc)")
    print("# load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(LINE.format("line", "req/s", "cpu ms", "p50", "p99", "SQL", "KB gz", ""))

    nginx, edge = nginx_in_front(base)
    try:
        stack = StackCPU(settings.DATABASES["default"]["NAME"], nginx.process.pid)
        run_lines(base, edge, seconds, connections, cpu, article_path, session, stack)
    finally:
        nginx.stop()
    print("# load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


def run_lines(base, edge, seconds, connections, cpu, article_path, session, stack):
    # Through nginx, under the site's name: what a patient's browser reaches.
    site = (f"Host: {proxy.SERVER_NAME}",)
    static = urlsplit(css_url(base, "/")).path
    edge_lines = [
        ("article, kept by nginx", edge + article_path),
        ("the site's CSS file, by nginx", edge + static),
    ]
    rates = []
    for name, url in edge_lines:
        through_nginx(url)  # the article: now kept
        size, cache_status = through_nginx(url)
        assert cache_status in (None, "HIT"), (url, cache_status)
        with cpu:
            result = wrk(url, seconds, connections, site)
        rates.append(result["rps"])
        print_line(
            name,
            result["rps"],
            cpu.per_request_ms(result["requests"]),
            result["p50"],
            result["p99"],
            "0",
            f"{size / 1024:.1f}",
            f"({result['errors']} non-2xx!)" if result["errors"] else "",
        )
    print(f"kept article / CSS file through nginx: {rates[0] / rates[1]:.2f} of its requests/s")

    # Straight to gunicorn, rendered: no cache of any kind answers a session's page.
    pages = [
        ("article, uncached (session)", article_path, session),
        ("home, uncached (session)", "/", session),
        ("article list, uncached (session)", "/articles/", session),
        ("request form GET", "/appointments/request/", ()),
    ]
    for name, path, headers in pages:
        rendered, _ = query_counts(path, with_session=bool(headers))
        total, _ = page_weight(base + path)
        with cpu:
            result = wrk(base + path, seconds, connections, headers)
        print_line(
            name,
            result["rps"],
            cpu.per_request_ms(result["requests"]),
            result["p50"],
            result["p99"],
            str(rendered),
            f"{total / 1024:.1f}",
            f"({result['errors']} non-2xx!)" if result["errors"] else "",
        )

    right = True
    counts = submissions(base, seconds, cpu=cpu)
    right &= submission_line("valid submissions (GET + POST)", counts, cpu, "per pair")
    statements = post_statements()
    counts = posts_alone(base, max(200, min(2000, counts[1])), cpu)
    right &= submission_line("valid POST alone", counts, cpu, sql=str(statements))

    counts = submissions(edge, seconds, cpu=cpu, stack=stack)
    over_https = "HTTPS, rate limit raised"
    right &= submission_line(
        "valid submissions through nginx", counts, cpu, f"per pair, {over_https}"
    )
    print(stack_line(stack, cpu, counts[1] + counts[2]))
    # The POSTs alone through nginx too: the line above counts GET + POST pairs, what a
    # patient's browser does; this one what the form's submissions alone cost.
    counts = posts_alone(edge, max(200, min(2000, counts[1])), cpu)
    right &= submission_line("valid POST alone through nginx", counts, cpu, over_https)

    if os.environ.get("BENCH_WORKER", "1") != "0":
        counts = submissions(base, seconds)
        print(submissions_line("submissions, no worker", *counts))
        right &= counts[1] == counts[3]
        right &= submissions_with_worker(base, seconds)
    if not right:
        sys.exit(1)


if __name__ == "__main__":
    main()
