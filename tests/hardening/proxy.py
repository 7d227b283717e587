"""A real nginx for the tests, running deploy/nginx.conf itself (issue 17).

The production site file is read as it is; only the values its "# SITE" comments mark
(listen ports, the gunicorn address, static and media roots, the certificate) are
replaced, and a missing one is an error, so the tests can never drift onto a copy.
Around it goes what Debian's /etc/nginx/nginx.conf puts around sites-enabled/*, with
every path (pid, logs, temporary files) inside a temporary folder.
"""

import contextlib
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SITE_CONFIG = BASE_DIR / "deploy" / "nginx.conf"
NGINX = Path("/usr/sbin/nginx")
# libnginx-mod-http-cache-purge, which Debian's nginx.conf loads (modules-enabled/).
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
# Values of the site file that stay as they are in the tests.
KEPT_SITE_LINES = ["server_name clinic.example.org;"]
SERVER_NAME = "clinic.example.org"


class SiteConfigChanged(Exception):
    """deploy/nginx.conf no longer has a value the tests replace."""


def render_site_config(
    *,
    http_port,
    https_port,
    upstream,
    static_root,
    media_root,
    certificate,
    key,
    workdir,
    purge_port,
):
    """deploy/nginx.conf with its "# SITE" values set for a test on loopback, its cache
    and logs in ``workdir``."""
    text = SITE_CONFIG.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server {upstream};",
        "listen 80 default_server;": f"listen 127.0.0.1:{http_port} default_server;",
        "listen 443 ssl http2 default_server;": (
            f"listen 127.0.0.1:{https_port} ssl http2 default_server;"
        ),
        # Loopback IPv4 only: the machine running the tests may have no IPv6.
        "listen [::]:80 default_server;": "",
        "listen [::]:443 ssl http2 default_server;": "",
        "/etc/letsencrypt/live/clinic.example.org/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/clinic.example.org/privkey.pem": str(key),
        "alias /srv/clinic/staticfiles/;": f"alias {static_root}/;",
        "alias /srv/clinic/media/;": f"alias {media_root}/;",
        "proxy_cache_path /var/cache/nginx/clinic ": f"proxy_cache_path {workdir}/cache ",
        "access_log /var/log/nginx/access.log ": f"access_log {workdir}/access.log ",
        "access_log /var/log/nginx/clinic-purge.log ": f"access_log {workdir}/purge.log ",
        "listen 127.0.0.1:8079;": f"listen 127.0.0.1:{purge_port};",
    }
    site_lines = [
        line.strip()
        for line in text.splitlines()
        if "# SITE" in line and not line.lstrip().startswith("#")
    ]
    for line in site_lines:
        if not any(old in line for old in [*replacements, *KEPT_SITE_LINES]):
            raise SiteConfigChanged(
                f"deploy/nginx.conf has a new site value the tests do not set: {line!r}; "
                "add it to tests/hardening/proxy.py"
            )
    for old, new in replacements.items():
        count = text.count(old)
        if count != 1:
            raise SiteConfigChanged(
                f"deploy/nginx.conf has {old!r} {count} times, not once; "
                "update tests/hardening/proxy.py to match"
            )
        text = text.replace(old, new)
    return text


def main_config(workdir, site_file):
    """The main context and http block around the site file, as Debian's
    /etc/nginx/nginx.conf has them (including its http-level `gzip on`, so a
    duplicate in the site file fails here as it would there)."""
    # As root, nginx's workers would otherwise run as nobody, who cannot read the
    # test's private temporary folder.
    user = "user root;" if os.geteuid() == 0 else ""
    modules = f"load_module {PURGE_MODULE};" if PURGE_MODULE.exists() else ""
    mime_types = Path("/etc/nginx/mime.types")
    types = (
        f"include {mime_types};"
        if mime_types.exists()
        else "types { text/html html; text/css css; image/png png; image/svg+xml svg; }"
    )
    return f"""
{user}
worker_processes 1;
{modules}
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{
    worker_connections 768;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {types}
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {workdir}/access.log;
    gzip on;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {site_file};
}}
"""


def make_certificate(workdir):
    """A self-signed certificate for the site's name and 127.0.0.1; None without
    openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    certificate, key = workdir / "certificate.pem", workdir / "key.pem"
    command = [openssl, "req", "-x509", "-nodes", "-days", "2", "-subj", f"/CN={SERVER_NAME}"]
    command += ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    command += ["-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1"]
    command += ["-keyout", str(key), "-out", str(certificate)]
    subprocess.run(command, check=True, capture_output=True, timeout=30)
    return certificate, key


def client_tls_context(certificate):
    """A client that trusts only the test certificate, and checks it."""
    return ssl.create_default_context(cafile=str(certificate))


@dataclass
class Nginx:
    process: subprocess.Popen
    workdir: Path
    http_port: int
    https_port: int
    tls: ssl.SSLContext

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self, name):
        path = self.workdir / name
        return path.read_text() if path.exists() else ""


def start_nginx(workdir, site_text, http_port, https_port, tls, seconds=10):
    """nginx in the foreground (so it is this process's child, stopped by its pid)."""
    site_file = workdir / "clinic.conf"
    site_file.write_text(site_text)
    conf = workdir / "nginx.conf"
    conf.write_text(main_config(workdir, site_file))
    command = [str(NGINX), "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"]
    command += ["-e", str(workdir / "error.log")]  # also before error_log is read
    with open(workdir / "output.log", "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    nginx = Nginx(process, workdir, http_port, https_port, tls)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if all(accepts_connections(port) for port in (http_port, https_port)):
            return nginx
        time.sleep(0.05)
    nginx.stop()
    raise RuntimeError("nginx did not start:\n" + nginx.log("output.log") + nginx.log("error.log"))


def accepts_connections(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float


def fetch(port, path, *, method="GET", body=None, headers=None, tls=None, timeout=5):
    """One request on a fresh connection (plain HTTP, or HTTPS with a `tls` context),
    timed from connecting to the last byte of the answer."""
    if tls is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls)
    start = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, response.headers, data, time.monotonic() - start)
    finally:
        conn.close()


def open_connection(port, tls=None, timeout=5):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname="127.0.0.1")
    return sock


def read_head(sock, timeout):
    """The status and headers of an answer, or None if none came within `timeout`."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    if not head:
        return None
    status_line, *lines = head.split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


def seconds_until_closed(sock, limit):
    """How long until the server closes this connection (we send nothing more), or
    None if it is still open after `limit` seconds."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < limit:
        try:
            if not sock.recv(65536):
                return time.monotonic() - start
        except TimeoutError:
            continue
        except (OSError, ssl.SSLError):
            return time.monotonic() - start
    return None


# Slow clients: headers sent a byte at a time, never finished.

TRICKLE_HEAD = b"GET /healthz/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@dataclass
class Trickler:
    sock: socket.socket
    opened: float
    sent: int = 0
    closed_after: float | None = None


@dataclass
class Trickle:
    """`count` connections to `port` that each send one more byte of a request header
    every `interval` seconds, in a background thread, and note when the server closes
    them. A context manager: every connection is closed on leaving it."""

    port: int
    count: int
    interval: float = 0.5
    tls: ssl.SSLContext | None = None
    clients: list = field(default_factory=list)

    def __enter__(self):
        self._stop = threading.Event()
        try:
            for _ in range(self.count):
                sock = open_connection(self.port, self.tls)
                client = Trickler(sock, time.monotonic())
                self._send_byte(client)
                sock.setblocking(False)
                self.clients.append(client)
        except BaseException:
            self._close_all()
            raise
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self._close_all()

    @property
    def still_open(self):
        return sum(1 for client in self.clients if client.closed_after is None)

    def wait_until_all_closed(self, limit):
        deadline = time.monotonic() + limit
        while self.still_open and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.still_open == 0

    def _send_byte(self, client):
        head = TRICKLE_HEAD
        byte = head[client.sent : client.sent + 1] if client.sent < len(head) else b"a"
        client.sock.send(byte)
        client.sent += 1

    def _run(self):
        while not self._stop.wait(self.interval):
            for client in self.clients:
                if client.closed_after is not None:
                    continue
                if self._peer_closed(client.sock):
                    client.closed_after = time.monotonic() - client.opened
                    continue
                try:
                    self._send_byte(client)
                except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
                except OSError:
                    client.closed_after = time.monotonic() - client.opened

    @staticmethod
    def _peer_closed(sock):
        """True once the server has closed the connection (or answered: either way
        this request is over)."""
        try:
            sock.recv(4096)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        except OSError:
            return True
        return True

    def _close_all(self):
        for client in self.clients:
            with contextlib.suppress(OSError):
                client.sock.close()
