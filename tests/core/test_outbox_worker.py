"""The outbox's worker against a real SMTP server on loopback (issue 10): a mail server
that hangs, refuses, or drops the connection mid-message, a worker killed in the middle
of a send, two workers on one queue, and the request page while mail is stuck.

Everything here is real: gunicorn (gunicorn.conf.py, the production settings) takes
the submissions, `manage.py run_worker` runs as its own process with django-tasks-db's
database queue, and the SMTP server is aiosmtpd (tests/core/smtp.py) switched between
"accept", "hang", "refuse" and "drop" while the test runs. Every message is counted at
the server by its Message-ID: "exactly once" means exactly one accepted copy there.

The retry delays (30 s, 60 s, ...) and the sweep's 2-minute grace are not waited out:
the test moves the outbox's times into the past instead (let_time_pass), as if the
clock had run on, and the worker, which reads its own clock, does the rest.
"""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from appointments.models import AppointmentRequest
from core.models import RETRY_DELAYS, Email
from core.outbox import deliver, send_later
from tests.appointments.conftest import make_article, make_location
from tests.core.smtp import ACCEPT, DROP, HANG, REFUSE, SMTPServer
from tests.hardening.test_abuse import (
    BASE_DIR,
    clean_environment,
    free_port,
    live_database,  # noqa: F401 (a fixture: the database gunicorn and the workers share)
    load_form,
    request,
    running_gunicorn,
    send_form,
    stop,
    wait_until_up,
)

# Rows written by gunicorn and the workers are seen here, and emptied after each test.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.clock,
    pytest.mark.servers,
]

SECRET_KEY = secrets.token_urlsafe(50)
FRONT_DESK = "desk@clinic.example"
PATIENT = "dana@example.com"  # tests.appointments.conftest.form_data's address
FAST = 1.0  # seconds: a submission's answer, whatever the mail server does
BURST = 10


# The processes: one SMTP server and one gunicorn for the module, workers per test.


@pytest.fixture(scope="module")
def smtp_server():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def smtp(smtp_server):
    """The module's SMTP server, accepting, with nothing counted yet."""
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def environment(database_url, smtp_port, email_timeout=2):
    """The production settings (through tests/hardening/live_settings.py, so no
    collectstatic): the database task queue from clinic/settings.py, SMTP to the test
    server without TLS, and a short SMTP timeout."""
    env = {
        **clean_environment(),
        "DJANGO_SETTINGS_MODULE": "tests.hardening.live_settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": str(email_timeout),
        "FRONT_DESK_EMAILS": FRONT_DESK,
        "SITE_URL": "https://clinic.example.org",
    }
    env.pop("REDIS_PAGES_URL", None)  # each process its own cache: nothing shared here
    if "FAKETIME" in os.environ:
        # Under libfaketime (make test's runs at set instants) each new process would
        # start its clock at the instant again; this way they all share the test's.
        env["FAKETIME_DONT_RESET"] = "1"
        # libfaketime reads the instant in the TZ a process starts with, and Django
        # has set this one's to TIME_ZONE: give the children the TZ this run began with.
        env.pop("TZ", None)
        env.update(initial_environment("TZ"))
    return env


def initial_environment(*names):
    """These variables as this process was started with (/proc/self/environ does not
    follow later changes to os.environ)."""
    try:
        entries = Path("/proc/self/environ").read_bytes().split(b"\0")
    except OSError:
        return {}
    initial = dict(entry.decode().partition("=")[::2] for entry in entries if b"=" in entry)
    return {name: initial[name] for name in names if name in initial}


@pytest.fixture(scope="module")
def app(live_database, smtp_server, tmp_path_factory):  # noqa: F811 (the imported fixture)
    """gunicorn as production starts it (gunicorn.conf.py: sync workers), with two
    worker processes and mail pointed at the test server: if a request waited on SMTP,
    it would show. The rate limit is lifted (all submissions come from 127.0.0.1)."""
    logs = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        **environment(live_database, smtp_server.port),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "-",
        "WEB_CONCURRENCY": "2",
        "TRUSTED_PROXY_COUNT": "0",
        "REQUEST_RATE_LIMIT": "1000",
        "REQUEST_MIN_FILL_SECONDS": "0",
    }
    with running_gunicorn(env, logs / "gunicorn.log") as process:
        wait_until_up(port, process, logs)
        yield port


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def output(self):
        return self.log.read_text() if self.log.exists() else ""

    def started(self):
        return "Starting worker" in self.output()  # django-tasks-db's line, once ready

    def wait(self, seconds):
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"worker {self.name} still running after {seconds} s:\n{self.output()}")


@pytest.fixture
def workers(live_database, smtp, tmp_path):  # noqa: F811 (the imported fixture)
    """Starts `manage.py run_worker` processes; every one is stopped after the test
    (SIGTERM, then SIGKILL if a send keeps it), before the database is emptied."""
    started = []

    def start(name, *options, email_timeout=2):
        log = tmp_path / f"worker-{name}.log"
        with open(log, "w") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--worker-id", name, *options],
                cwd=BASE_DIR,
                env=environment(live_database, smtp.port, email_timeout),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(name, process, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop(worker.process, grace=2)


@pytest.fixture
def database_queue(settings):
    """This process enqueues into the database too (tests/settings.py runs tasks at
    once), so the workers find what send_later queues here."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# Helpers.


def wait_until(predicate, seconds, what, *workers):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- worker {w.name}:\n{w.output()}" for w in workers)
    pytest.fail(f"{what}: not within {seconds} s\n{logs}", pytrace=False)


def deferred_tasks():
    """Queued tasks with a time to run after: the retries (the others have none)."""
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__lt=get_date_max())


def let_time_pass(delta):
    """As if `delta` had gone by for the outbox: each waiting email's next try, and
    each deferred task (a retry queued for later), come that much earlier."""
    with transaction.atomic():
        Email.objects.waiting().update(next_try_at=F("next_try_at") - delta)
        deferred_tasks().update(run_after=F("run_after") - delta)


def tasks_for(email):
    """The tasks that carried this email: its own, or the one it shares with the other
    emails about the same request (outbox.send_together)."""
    return DBTaskResult.objects.filter(args_kwargs__args__contains=[email.pk])


def failed_tries(email):
    """The finished tasks whose try of this email failed, latest started last."""
    tries = []
    for task in tasks_for(email).exclude(started_at=None).order_by("started_at"):
        emails, outcome = task.args_kwargs["args"], task.return_value
        if len(emails) > 1 and isinstance(outcome, list):  # one outcome per email
            outcome = outcome[emails.index(email.pk)]
        if outcome == "failed":
            tries.append(task)
    return tries


def retry_delay(email):
    """How long after its last try began the email's next try is queued for (both
    times from the worker's clock). Fails unless that retry is queued."""
    last_try = failed_tries(email)[-1]
    retry = deferred_tasks().filter(args_kwargs__args=[email.pk]).get()
    assert retry.run_after == email.next_try_at
    return email.next_try_at - last_try.started_at


def assert_retry_queued(email, delay, try_seconds):
    assert delay <= retry_delay(email) <= delay + timedelta(seconds=try_seconds + 5)


def queue_emails(count, twice=False):
    """Emails in the outbox, each with its task; `twice`: each queued again at once,
    as the sweep (requeue_stuck) would beside the first."""
    queued = []
    for n in range(count):
        email = send_later(
            kind="test",
            reference=f"T-{n}",
            to=[f"desk{n}@clinic.example"],
            subject=f"Test email {n}",
            body="No patient data.",
        )
        if twice:
            deliver.enqueue(email.pk)
        queued.append(email)
    return queued


def emails():
    return list(Email.objects.order_by("pk"))


def all_tried(times):
    """Each email tried `times` times, and that try's end recorded and its retry queued:
    the worker writes those just after the email's own row, so waiting for the row
    alone let a busy machine's test read the queue first."""

    def done():
        return all(
            email.tries >= times
            and len(failed_tries(email)) >= times
            and deferred_tasks().filter(args_kwargs__args=[email.pk]).exists()
            for email in emails()
        )

    return done


def all_sent():
    return Email.objects.exclude(status=Email.Status.SENT).count() == 0


def row_is_locked(email):
    try:
        with transaction.atomic():
            Email.objects.select_for_update(nowait=True).get(pk=email.pk)
    except DatabaseError:
        return True
    return False


def timed(function, *args):
    start = time.monotonic()
    result = function(*args)
    return result, time.monotonic() - start


def assert_each_arrived_once(smtp, sent_emails):
    """Every email exactly once at the server (by its Message-ID), nothing else."""
    expected = Counter({email.message_id: 1 for email in sent_emails})
    assert smtp.received_ids() == expected
    for email in sent_emails:
        assert smtp.recipients_of(email.message_id) == [tuple(email.to)]


# 1. SMTP hangs.


def test_a_hung_mail_server_neither_slows_the_submission_nor_loses_its_emails(app, smtp, workers):
    make_location()
    smtp.set_mode(HANG)
    worker = workers("w1", "--interval", "0.1", email_timeout=2)
    wait_until(worker.started, 20, "the worker started", worker)
    form = load_form(app)

    status, seconds = timed(send_form, app, *form)

    assert status == HTTPStatus.FOUND
    assert seconds < FAST, f"the submission took {seconds:.2f} s"
    print(f"\nPOST while SMTP hangs: {seconds * 1000:.0f} ms")  # the figure, with -s
    assert AppointmentRequest.objects.count() == 1
    # The worker tries each email, waits its 2 s, gives up on this try: still waiting.
    wait_until(all_tried(1), 20, "both emails tried once", worker)
    for email in emails():
        assert email.status == Email.Status.WAITING
        assert "timed out" in email.last_error
        # One task carries both, tried one after the other: up to two 2 s tries from
        # the task's start to the patient's email's retry.
        assert_retry_queued(email, RETRY_DELAYS[0], try_seconds=4)
    assert smtp.hung_connections >= 2
    assert smtp.received_ids() == Counter()

    smtp.set_mode(ACCEPT)
    let_time_pass(RETRY_DELAYS[0] + timedelta(seconds=1))
    wait_until(all_sent, 20, "both emails sent after the retry delay", worker)
    stop(worker.process)

    sent = emails()
    assert sorted(email.to[0] for email in sent) == sorted([FRONT_DESK, PATIENT])
    assert [email.tries for email in sent] == [2, 2]
    assert_each_arrived_once(smtp, sent)


# 2. SMTP refuses.


def test_refused_emails_wait_with_their_error_are_retried_and_arrive_once_when_it_is_back(
    smtp, workers, database_queue
):
    smtp.set_mode(REFUSE)
    queued = queue_emails(2)
    worker = workers("w1", "--interval", "0.1")

    wait_until(all_tried(1), 15, "both emails tried", worker)
    for email in emails():
        assert email.status == Email.Status.WAITING
        assert email.tries == 1
        assert "ConnectionRefusedError" in email.last_error
        assert_retry_queued(email, RETRY_DELAYS[0], try_seconds=0)
    # Retried, and refused again: later next time.
    let_time_pass(RETRY_DELAYS[0] + timedelta(seconds=1))
    wait_until(all_tried(2), 15, "both emails tried again", worker)
    for email in emails():
        assert (email.status, email.tries) == (Email.Status.WAITING, 2)
        assert "ConnectionRefusedError" in email.last_error
        assert_retry_queued(email, RETRY_DELAYS[1], try_seconds=0)

    smtp.set_mode(ACCEPT)
    let_time_pass(RETRY_DELAYS[1] + timedelta(seconds=1))
    wait_until(all_sent, 15, "both emails sent once the server is back", worker)
    stop(worker.process)

    sent = emails()
    assert [email.pk for email in sent] == [email.pk for email in queued]
    assert [(email.tries, email.last_error) for email in sent] == [(3, ""), (3, "")]
    assert all(email.sent_at for email in sent)
    assert_each_arrived_once(smtp, sent)


# 3. SMTP drops the connection mid-message.


def test_a_message_cut_off_mid_way_is_retried_and_delivered_once(smtp, workers, database_queue):
    smtp.set_mode(DROP)
    queued = queue_emails(2)
    worker = workers("w1", "--interval", "0.1")

    wait_until(all_tried(1), 15, "both emails tried", worker)
    # The server had the start of each message when it cut the connection.
    assert sorted(smtp.dropped) == sorted(email.message_id for email in queued)
    for email in emails():
        assert email.status == Email.Status.WAITING
        assert "SMTPServerDisconnected" in email.last_error or "Reset" in email.last_error
        assert_retry_queued(email, RETRY_DELAYS[0], try_seconds=0)

    smtp.set_mode(ACCEPT)
    let_time_pass(RETRY_DELAYS[0] + timedelta(seconds=1))
    wait_until(all_sent, 15, "both emails sent after the retry", worker)
    stop(worker.process)

    sent = emails()
    assert [email.tries for email in sent] == [2, 2]
    assert_each_arrived_once(smtp, sent)


# 4. A worker killed mid-send.


def test_a_worker_killed_mid_send_leaves_the_email_waiting_and_the_next_worker_sends_it_once(
    smtp, workers, database_queue
):
    smtp.set_mode(HANG)
    (email,) = queue_emails(1)
    # A long SMTP timeout: the worker is surely still inside the send when killed.
    first = workers("first", "--interval", "0.1", email_timeout=60)
    wait_until(lambda: smtp.hanging >= 1, 20, "the worker connected to SMTP", first)
    # Inside the send, it holds the email's row lock.
    assert row_is_locked(email)

    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)

    # PostgreSQL ends the dead worker's transaction: the lock goes, the try is undone.
    wait_until(lambda: not row_is_locked(email), 10, "the row lock released")
    email.refresh_from_db()
    assert (email.status, email.tries, email.last_error) == (Email.Status.WAITING, 0, "")
    orphan = DBTaskResult.objects.get()
    assert (orphan.status, orphan.worker_ids) == (TaskResultStatus.RUNNING, ["first"])

    smtp.set_mode(ACCEPT)
    # More than the sweep's 2-minute grace has passed since the email was due.
    Email.objects.filter(pk=email.pk).update(next_try_at=timezone.now() - timedelta(minutes=3))
    second = workers("second", "--batch", "--interval", "0")
    assert second.wait(30) == 0, second.output()

    email.refresh_from_db()
    assert (email.status, email.tries) == (Email.Status.SENT, 1)
    assert_each_arrived_once(smtp, [email])
    # The worker's start queued it again (requeue_stuck); the dead one's task stays.
    requeued = DBTaskResult.objects.exclude(pk=orphan.pk).get()
    assert (requeued.worker_ids, requeued.return_value) == (["second"], "sent")


# 5. Two workers on one queue.


def test_two_workers_on_one_queue_send_every_email_exactly_once(smtp, workers, database_queue):
    # Two tasks for each email, one right after the other: the two workers keep taking
    # the two tasks of one email at the same moment.
    queued = queue_emails(20, twice=True)
    # The first message is kept unanswered until one worker is inside its send and the
    # other, on the same email's second task, waits for the row lock.
    smtp.hold()
    one = workers("one", "--batch", "--interval", "0", email_timeout=20)
    two = workers("two", "--batch", "--interval", "0", email_timeout=20)
    wait_until(
        lambda: smtp.waiting_for_answer == 1 and backends_waiting_for_a_lock() == 1,
        30,
        "one worker sending the first email, the other waiting for its row lock",
        one,
        two,
    )
    smtp.release()

    assert one.wait(60) == 0, one.output()
    assert two.wait(60) == 0, two.output()

    sent = emails()
    assert all(email.status == Email.Status.SENT for email in sent)
    assert_each_arrived_once(smtp, sent)
    results = Counter(DBTaskResult.objects.values_list("return_value", flat=True))
    assert results == {"sent": 20, "nothing to do": 20}
    # The first email's two tasks: exactly one sent it and the other found it sent, on
    # different workers. Which of the two identical tasks ran first is not fixed: under
    # a fake clock they can carry the same enqueued_at.
    first_tasks = tasks_for(queued[0])
    assert sorted(first_tasks.values_list("return_value", flat=True)) == ["nothing to do", "sent"]
    sending = first_tasks.get(return_value="sent")
    waiting = first_tasks.get(return_value="nothing to do")
    assert {*sending.worker_ids, *waiting.worker_ids} == {"one", "two"}


def backends_waiting_for_a_lock():
    """Connections to the test database waiting for a lock another one holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


# 6. The request page while SMTP hangs.


STUCK_SMTP_SECONDS = 30


def test_a_burst_of_submissions_and_an_article_answer_fast_while_the_worker_is_stuck_on_smtp(
    app, smtp, workers
):
    make_location()
    article = make_article()
    smtp.set_mode(HANG)
    worker = workers("w1", "--interval", "0.1", email_timeout=STUCK_SMTP_SECONDS)
    assert send_form(app, *load_form(app)) == HTTPStatus.FOUND
    wait_until(lambda: smtp.hanging >= 1, 20, "the worker stuck on the mail server", worker)
    forms = [load_form(app) for _ in range(BURST)]
    start = threading.Barrier(BURST + 1)

    def submit(form):
        start.wait()
        return timed(send_form, app, *form)

    def read_article():
        start.wait()
        time.sleep(0.05)  # while the submissions are in flight
        return timed(request, app, "GET", article.get_absolute_url())

    with ThreadPoolExecutor(max_workers=BURST + 1) as pool:
        article_read = pool.submit(read_article)
        submissions = list(pool.map(submit, forms))
        (article_status, _, _), article_seconds = article_read.result()

    slowest = max(seconds for _, seconds in submissions)
    print(  # the figures, with -s
        f"\nburst of {BURST} while SMTP hangs: slowest {slowest * 1000:.0f} ms; "
        f"article {article_seconds * 1000:.0f} ms"
    )
    assert [status for status, _ in submissions] == [HTTPStatus.FOUND] * BURST
    # Had a request waited on the mail server, it would have waited out the worker's
    # email timeout: each answer came before that could happen, however busy the
    # machine (the figures above are the speed; they are measured, not asserted).
    assert slowest < STUCK_SMTP_SECONDS, f"slowest submission {slowest:.2f} s"
    assert article_status == HTTPStatus.OK
    assert article_seconds < STUCK_SMTP_SECONDS, f"article read {article_seconds:.2f} s"
    # The worker was stuck the whole time; every email is kept, none sent.
    assert smtp.hanging >= 1
    assert AppointmentRequest.objects.count() == BURST + 1
    assert Email.objects.waiting().count() == 2 * (BURST + 1)
    assert smtp.received_ids() == Counter()
