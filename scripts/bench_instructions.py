"""Instructions a patient's pair of requests costs the app, counted by valgrind.

Usage: bench_instructions.py [PAIRS]   (run by scripts/bench-instructions.sh)

`make bench` counts requests per second and CPU milliseconds, which move with the
machine (on a shared VM, by 2x between runs minutes apart). This counts the CPU
instructions the app itself executes for a GET of the request form and the POST of it
filled in (as a patient's browser sends them), through Django's WSGI handler in one
process, against the real PostgreSQL and Redis: the same code gives the same count
whatever else the machine is doing, so two commits can be compared on any machine.

valgrind's callgrind runs this script twice for each line, without and with PAIRS of
what the line counts (after the same 5 pairs to warm up); the difference divided by
PAIRS is the cost of one, start-up excluded. Lines: a GET + POST pair, the GET alone,
the POST alone (of forms fetched in both runs). Only this process is counted, not
PostgreSQL's or Redis's.
"""

import gzip
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
WARM_UP = 5
# What the bench patient answers (scripts/bench.py sends the same).
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
FORM = "/appointments/request/"


def run(forms, posts, pairs):
    """In the process valgrind watches: WARM_UP pairs, then ``forms`` forms fetched,
    the first ``posts`` of them sent, then ``pairs`` pairs."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()  # logging as configured: the received request's line counts too

    def call(method, body=b"", cookie="", content_type=""):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": FORM,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
            "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9",
            "HTTP_REFERER": f"http://127.0.0.1{FORM}",
            "HTTP_COOKIE": cookie,
        }
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers

        content = b"".join(app(environ, start_response))
        if dict(answer["headers"]).get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        return answer["status"], answer["headers"], content

    def fetch_form():
        status, headers, content = call("GET")
        assert status.startswith("200"), status
        html = content.decode()
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
        form.pop("website", None)  # the honeypot stays empty
        location = re.search(r'name="location" value="(\d+)"', html)
        if location:
            form["location"] = location.group(1)
        form.update(FIELDS)
        cookie = "; ".join(v.split(";")[0] for k, v in headers if k == "Set-Cookie")
        return cookie, urlencode(form).encode()

    def send(cookie, body):
        status, _, _ = call("POST", body, cookie, "application/x-www-form-urlencoded")
        assert status.startswith("302"), f"the form was not accepted: {status}"

    for _ in range(WARM_UP):
        send(*fetch_form())
    fetched = [fetch_form() for _ in range(forms)]
    for form in fetched[:posts]:
        send(*form)
    for _ in range(pairs):
        send(*fetch_form())


# What each line runs without and with what it counts: (forms, posts, pairs).
PARTS = {
    "pair": ((0, 0, 0), (0, 0, 1)),
    "get": ((0, 0, 0), (1, 0, 0)),
    "post": ((1, 0, 0), (1, 1, 0)),
}


def counted(count, part):
    """Instructions of ``count`` of ``part``, each: the whole run without them and with
    them, the difference (start-up and warm-up are the same in both)."""
    total = []
    for scale in PARTS[part]:
        arguments = [str(n * count) for n in scale]
        with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
            result = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    f"--callgrind-out-file={out.name}",
                    sys.executable,
                    __file__,
                    "--inside",
                    *arguments,
                ],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            found = re.search(r"Collected : (\d+)", result.stderr)
            assert result.returncode == 0 and found, result.stderr[-3000:]
            total.append(int(found.group(1)))
    return (total[1] - total[0]) / count


def main():
    if sys.argv[1:2] == ["--inside"]:
        run(*(int(n) for n in sys.argv[2:5]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    # Once outside valgrind first: what the app keeps in Redis (the form's rendered
    # fields, the footer) is then there for both runs of every line alike.
    warm = subprocess.run(
        [sys.executable, __file__, "--inside", "0", "0", "0"], capture_output=True, text=True
    )
    assert warm.returncode == 0, warm.stderr[-3000:]
    print(f"# instructions the app executes, per request (callgrind, {count} of each)")
    for label, part in (("GET + POST pair", "pair"), ("form GET", "get"), ("valid POST", "post")):
        print(f"{label:<18}{counted(count, part) / 1e6:8.2f} M")


if __name__ == "__main__":
    main()
