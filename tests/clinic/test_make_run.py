"""`make run` as a newcomer types it: the links in the demo's emails follow its port."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def dry_run(*arguments):
    # -n prints the commands without running them; -W pretends the set-up is fresh,
    # so every step shows.
    result = subprocess.run(
        ["make", "-n", "-W", "requirements.txt", "run", *arguments],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={name: value for name, value in os.environ.items() if name != "SITE_URL"},
        check=True,
    )
    return [line for line in result.stdout.splitlines() if "manage.py" in line or "honcho" in line]


def test_make_run_on_another_port_links_emails_to_that_port():
    commands = dry_run("PORT=8765")

    serve = next(line for line in commands if "honcho" in line)
    assert "RUN_PORT=8765 " in serve
    assert "SITE_URL=http://127.0.0.1:8765 " in serve
    seed = next(line for line in commands if "seed_demo" in line)
    assert "SITE_URL=http://127.0.0.1:8765 " in seed


def test_a_site_url_given_to_make_run_wins():
    commands = dry_run("PORT=8765", "SITE_URL=https://clinic.example.org")

    serve = next(line for line in commands if "honcho" in line)
    assert "SITE_URL=https://clinic.example.org " in serve


def test_make_run_serves_the_site_and_runs_the_worker():
    procfile = (settings.BASE_DIR / "Procfile.dev").read_text()

    assert "runserver 127.0.0.1:$RUN_PORT" in procfile
    assert "manage.py run_worker" in procfile
