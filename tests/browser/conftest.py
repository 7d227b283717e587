"""Playwright with Debian's Chromium (no browser download), against Django's live server.

Every page a test opens is watched: a console error, a CSP violation or a request
to any host but the live server fails the test (see ``watched_page``).
"""

import os
import shutil
import time
from urllib.parse import urlsplit

import pytest

from tests.conftest import REQUIRE_BROWSER, skip_or_fail

# Django's live_server with Playwright's sync API: Playwright runs an event loop in
# this thread, and Django refuses ORM calls there unless told it is safe (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root on CI machines
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Stop Chromium's own background traffic; the machine has no internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} missing: apt-get install -y chromium", REQUIRE_BROWSER)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


class PageProblems(list):
    """What went wrong in the browser while a test ran."""

    expected_status = None

    def expect_error_status(self, status):
        """The page itself is meant to answer with this error status (a 404 page)."""
        self.expected_status = status

    def assert_none(self):
        assert not self, "browser problems:\n" + "\n".join(self)


def watch(page, live_server):
    """Record console errors, CSP violations and requests to any host but the live
    server on this page; returns the list they are collected in."""
    problems = PageProblems()
    own = urlsplit(live_server.url).netloc

    def on_console(message):
        expected = f"the server responded with a status of {problems.expected_status}"
        if message.type == "error" and not (problems.expected_status and expected in message.text):
            problems.append(f"console error: {message.text}")

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != own:
            problems.append(f"request to another host: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", on_request)
    # CSP violations also reach the console, but a listener in the page catches every one.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return problems


def wait_until(page, expression, seconds=10):
    """Wait until a JavaScript expression is true in the page. Playwright's own
    wait_for_function polls with eval() inside the page, which the site's Content
    Security Policy refuses (no 'unsafe-eval'); page.evaluate() is not bound by it."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s: {expression}")
        page.wait_for_timeout(50)


@pytest.fixture
def watched_page(page, live_server):
    """A Playwright page whose problems (see ``watch``) fail the test."""
    page.problems = watch(page, live_server)
    yield page
    page.problems.assert_none()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    os.makedirs(ARTIFACTS, exist_ok=True)

    def take(name):
        path = os.path.join(ARTIFACTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return take
