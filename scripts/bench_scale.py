"""Figures for `make bench-scale`: the front desk's pages at the demo size and at a
clinic group's five years (scripts/bench-scale.sh sets up the database).

Usage: bench_scale.py [--requests 300000] [--reuse] [--skip-export] [--skip-purge]
                      [--demo-only]

For each page: the median wall and CPU time of 5 loads in this process (production
settings: DEBUG off), after one load to warm it, and the SQL queries of one more. At
the large size only, the CSV export of every request through gunicorn (one sync
worker): time to the first byte, total time, rows and the worker's peak RSS
(VmHWM); and `purge_requests --delete` on a copy of the database: the backlog, then
one day's batch (time and peak RSS of the command). Then each page again at both
sizes, one load at the demo size and one at the large size in turn (the demo from a
copy of its database made before the large data was added): the machine's slow
spells weigh on both sides of each ratio alike.

--reuse keeps a database that already holds the large data (no new rows).
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from appointments.models import AppointmentRequest, Location  # noqa: E402

LIST = "/admin/appointments/appointmentrequest/"
RUNS = 5
# The demo size's database, copied before the large data is added (interleaved()).
DEMO_COPY = f"{settings.DATABASES['default']['NAME']}_demo"


def national(phone):
    """+16145550142 -> ("614", "555", "0142")"""
    digits = phone[-10:]
    return digits[:3], digits[3:6], digits[6:]


def pages():
    """(label, path) of every page measured, built from the data present."""
    target = (
        AppointmentRequest.objects.exclude(email="")
        .filter(status=AppointmentRequest.Status.CONTACTED)
        .order_by("-pk")
        .first()
    ) or AppointmentRequest.objects.order_by("-pk").first()
    desk = get_user_model().objects.get(username="frontdesk")
    location = Location.objects.order_by("pk").first()
    area, exchange, line = national(target.phone)
    found = [
        ("list, page 1", LIST),
        ("list, page 2", f"{LIST}?p=2"),
    ]
    for status in AppointmentRequest.Status.values:
        found.append((f"filter status={status}", f"{LIST}?status__exact={status}"))
    found += [
        ("filter location", f"{LIST}?location__id__exact={location.pk}"),
        ("filter language=es", f"{LIST}?language__exact=es"),
        ("filter new patient", f"{LIST}?is_new_patient__exact=1"),
        ("filter assigned to me", f"{LIST}?assigned_to__id__exact={desk.pk}"),
        ("filter overdue", f"{LIST}?overdue=yes"),
        ("filter call back today", f"{LIST}?call_back=today"),
        ("filter call back overdue", f"{LIST}?call_back=overdue"),
        ("filter unable to reach", f"{LIST}?unreached=yes"),
        ("filter booked today", f"{LIST}?booked=today"),
        ("filter booked this week", f"{LIST}?booked=week"),
        ("filter open", f"{LIST}?open=yes"),
        ("filter mine and open", f"{LIST}?assigned_to__id__exact={desk.pk}&open=yes"),
    ]
    for label, term in [
        ("search last name", target.last_name),
        ("search full name", f"{target.first_name} {target.last_name}"),
        ("search email", target.email.split("@")[0]),
        ("search reference", target.reference),
        ("search phone (614) 555-0142", f"({area}) {exchange}-{line}"),
        ("search phone +1 614 555 0142", f"+1 {area} {exchange} {line}"),
        ("search phone 555-0142", f"{exchange}-{line}"),
        ("search phone 614-555", f"{area}-{exchange}"),
        ("search phone (614) 555", f"({area}) {exchange}"),
        ("search phone last four", line),
    ]:
        found.append((label, f"{LIST}?{urlencode({'q': term})}"))
    found += [
        ("change page", f"{LIST}{target.pk}/change/"),
        ("admin home", "/admin/"),
        ("booked today", f"{LIST}booked/?day=today"),
        ("booked this week", f"{LIST}booked/?day=week"),
    ]
    return found


def measure(client, path, runs=RUNS):
    """Median wall and CPU ms of `runs` loads, then the queries and SQL ms of one more.
    CPU is this process's own (Python's work; PostgreSQL's is in the SQL column): on a
    shared machine it moves far less with the load than the wall time does."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return statistics.median(times) * 1000, len(queries), sql_ms, statistics.median(cpu) * 1000


def export_in_process(client):
    """The export of every request, in this process: ms and queries."""
    data = {"action": "export_csv", "select_across": "1", "index": "0"}
    data["_selected_action"] = [AppointmentRequest.objects.values_list("pk", flat=True)[0]]
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(LIST, data)
        body = b"".join(response) if response.streaming else response.content
    assert response.status_code == 200, response.status_code
    return (time.perf_counter() - start) * 1000, len(queries), body.count(b"\n") - 1


def front_desk_client():
    """The front desk signed in as production asks: the password and the second step
    (an authenticator app's device, marked verified in the session as django-otp does)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username="frontdesk")
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def run_pages(label):
    client = front_desk_client()
    count = AppointmentRequest.objects.count()
    results = {}
    print(f"\n{label}: {count} requests", flush=True)
    for name, path in pages():
        ms, queries, sql_ms, cpu_ms = measure(client, path)
        results[name] = (ms, queries, cpu_ms)
        print(
            f"  {name:34} {ms:8.1f} ms {queries:4d} queries, {sql_ms:6.1f} ms in SQL, "
            f"{cpu_ms:6.1f} ms CPU",
            flush=True,
        )
    if count < 10_000:
        ms, queries, rows = export_in_process(client)
        results["export (in process)"] = (ms, queries, float("nan"))
        print(f"  {'export (in process)':34} {ms:8.1f} ms {queries:4d} queries ({rows} rows)")
    return results


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vm_hwm_kb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def export_through_gunicorn(timeout=None):
    """The CSV of every request from one gunicorn sync worker (gunicorn.conf.py;
    its GUNICORN_TIMEOUT unless `timeout` is given)."""
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    if timeout:
        env["GUNICORN_TIMEOUT"] = str(timeout)
    server = subprocess.Popen(
        [str(BASE_DIR / ".venv/bin/gunicorn"), "clinic.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        return export_from(port, server.pid, timeout or "default")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=60)
        for line in errors.splitlines():
            if "TIMEOUT" in line or "SIGKILL" in line or "Worker exited" in line:
                print("  gunicorn:", line.strip())


class PeakRSS(threading.Thread):
    """The highest RSS of the master's workers, sampled every 0.2 s (a killed worker
    takes its VmHWM with it)."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master, self.peak_kb, self.running = master, 0, True

    def run(self):
        while self.running:
            for pid in children(self.master):
                try:
                    self.peak_kb = max(self.peak_kb, vm_hwm_kb(pid))
                except (OSError, AttributeError):
                    continue
            time.sleep(0.2)


def export_from(port, master, timeout):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    client = front_desk_client()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "x" * 32
    cookies = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    first_pk = AppointmentRequest.objects.values_list("pk", flat=True)[0]
    body = urlencode(
        {
            "action": "export_csv",
            "select_across": "1",
            "index": "0",
            "_selected_action": first_pk,
            "csrfmiddlewaretoken": csrf,
        }
    )
    peak = PeakRSS(master)
    peak.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1200)
    start = time.perf_counter()
    conn.request(
        "POST",
        LIST,
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies,
            "Host": "localhost",
            "Referer": f"http://localhost{LIST}",
            "Origin": "http://localhost",
        },
    )
    size = lines = 0
    first_byte = first_row = None
    failed = None
    try:
        response = conn.getresponse()
        while chunk := response.read1(65536):
            now = time.perf_counter() - start
            first_byte = first_byte or now
            size += len(chunk)
            lines += chunk.count(b"\n")
            if first_row is None and lines >= 2:
                first_row = now
    except (http.client.HTTPException, OSError) as error:
        failed = error
    total = time.perf_counter() - start
    peak.running = False
    peak.join()
    what = f"failed after {total:.1f} s ({failed!r})" if failed else f"all in {total:.1f} s"
    print(
        f"  export through gunicorn (timeout {timeout}): {what}, first byte "
        f"{(first_byte or 0) * 1000:.0f} ms, first row {(first_row or 0) * 1000:.0f} ms, "
        f"{max(lines - 1, 0)} rows, {size / 1e6:.0f} MB, worker peak RSS "
        f"{peak.peak_kb / 1024:.0f} MB",
        flush=True,
    )
    return failed is None


# The command in a process of its own, which then says its own peak RSS.
PURGE = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
django.setup()
import time
from django.core.management import call_command
start = time.perf_counter()
call_command("purge_requests", "--delete", "--days", sys.argv[1])
seconds = time.perf_counter() - start
# VmHWM, this process's own peak: ru_maxrss starts from the parent's at the fork.
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(f"{peak:.0f} MB, the command itself {seconds:.1f} s")
"""


def copy_database(copy):
    """CREATE DATABASE copy TEMPLATE (this one), replacing an older copy."""
    name = settings.DATABASES["default"]["NAME"]
    admin_url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    connection.close()
    subprocess.run(
        ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {copy}", "-c",
         f"CREATE DATABASE {copy} TEMPLATE {name}"],
        check=True,
    )  # fmt: skip


def drop_database(name):
    admin_url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


def use_database(name):
    """Point this process at another database (the next query reconnects); the
    per-process cache is emptied, so nothing read from one is served for the other."""
    connection.close()
    connection.settings_dict["NAME"] = name
    caches["default"].clear()


def interleaved(demo_database, large_database):
    """Each page at the demo size and at the large size one after the other, RUNS
    times: a slow spell of the machine then weighs on both sides of a ratio alike."""
    sides = {}
    for side, database in (("demo", demo_database), ("large", large_database)):
        use_database(database)
        sides[side] = (front_desk_client(), dict(pages()))
    names = [name for name in sides["large"][1] if name in sides["demo"][1]]
    print(
        f"\ninterleaved, demo and large one after the other ({RUNS} loads each, medians):"
        f"\n{'page':34} {'demo ms':>8} {'cpu':>6} {'large ms':>9} {'cpu':>6} {'x':>5} "
        f"{'x cpu':>5}",
        flush=True,
    )
    for name in names:
        times = {"demo": [], "large": []}
        for _ in range(RUNS):
            for side in ("demo", "large"):
                use_database(demo_database if side == "demo" else large_database)
                client, paths = sides[side]
                wall, _, _, cpu = measure(client, paths[name], runs=1)
                times[side].append((wall, cpu))
        demo_ms, demo_cpu = (statistics.median(t) for t in zip(*times["demo"], strict=True))
        large_ms, large_cpu = (statistics.median(t) for t in zip(*times["large"], strict=True))
        print(
            f"{name:34} {demo_ms:8.1f} {demo_cpu:6.1f} {large_ms:9.1f} {large_cpu:6.1f} "
            f"{large_ms / demo_ms:5.1f} {large_cpu / demo_cpu:5.1f}",
            flush=True,
        )
    use_database(large_database)


def purge_on_copy():
    """purge_requests --delete on a copy of this database: the backlog, then a day."""
    copy = f"{settings.DATABASES['default']['NAME']}_purge"
    url = urlsplit(os.environ["DATABASE_URL"])
    copy_database(copy)
    env = {**os.environ, "DATABASE_URL": url._replace(path=f"/{copy}").geturl()}
    try:
        for label, days in (("backlog", settings.REQUEST_RETENTION_DAYS),
                            ("a day's batch", settings.REQUEST_RETENTION_DAYS - 1)):  # fmt: skip
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PURGE, str(days)],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            seconds = time.perf_counter() - start
            *said, peak = done.stdout.strip().splitlines()
            print(f"  purge, {label}: {seconds:.1f} s, peak RSS {peak}: {' '.join(said)}")
    finally:
        drop_database(copy)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--only-export-and-purge", action="store_true")
    parser.add_argument("--skip-purge", action="store_true")
    parser.add_argument("--demo-only", action="store_true", help="only the demo size")
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    large = AppointmentRequest.objects.count() >= options.requests
    if not (options.reuse and large):
        call_command(
            "seed_demo",
            allow_accounts_without_debug=True,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        demo = run_pages("demo size")
        if options.demo_only:
            return
        # The demo as it is, kept for measuring both sizes side by side later.
        copy_database(DEMO_COPY)
        from clinic.scale_data import generate

        start = time.perf_counter()
        written = generate(requests=options.requests, log=print)
        print(f"\ngenerated in {time.perf_counter() - start:.0f} s: {written}", flush=True)
    else:
        demo = None
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    scale = {} if options.only_export_and_purge else run_pages("large")
    if demo:
        print(
            f"\n{'page':34} {'demo ms':>8} {'cpu':>6} {'q':>3} {'large ms':>9} {'cpu':>6} "
            f"{'q':>3} {'x':>5} {'x cpu':>5}"
        )
        for name, (ms, queries, cpu) in scale.items():
            d_ms, d_q, d_cpu = demo.get(name, (float("nan"), 0, float("nan")))
            print(
                f"{name:34} {d_ms:8.1f} {d_cpu:6.1f} {d_q:3d} {ms:9.1f} {cpu:6.1f} "
                f"{queries:3d} {ms / d_ms:5.1f} {cpu / d_cpu:5.1f}"
            )
        try:
            interleaved(DEMO_COPY, settings.DATABASES["default"]["NAME"])
        finally:
            drop_database(DEMO_COPY)
    # Under the production timeout; only if that fails, again with a long one to see
    # how long the whole file takes.
    if not options.skip_export and not export_through_gunicorn():
        export_through_gunicorn(timeout=900)
    if not options.skip_purge:
        purge_on_copy()


if __name__ == "__main__":
    main()
