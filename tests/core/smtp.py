"""A real SMTP server on loopback whose behaviour a test (or the benchmark) switches
while it runs, on one port that never changes:

- "accept": aiosmtpd takes every message and counts it, by Message-ID and recipient;
- "hang": the connection is accepted and never answered, not even the greeting;
- "refuse": nothing listens on the port any more (connection refused);
- "drop": aiosmtpd answers until DATA, reads the message's headers, then cuts the
  connection in the middle of the message.

The mode is read when a connection opens (and, for "drop", when DATA starts), so a
client already hanging stays hung after a switch, as it would with a real server.
`hold()` makes "accept" keep each message unanswered after DATA until `release()`:
a test can then see several clients inside a send at the same moment.

No Django here: scripts/bench.py uses it too.
"""

import asyncio
import contextlib
import email
import logging
import random
import socket
import threading
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.smtp import SMTP

# aiosmtpd logs every command at INFO: a test's output would drown in it.
logging.getLogger("mail.log").setLevel(logging.WARNING)

ACCEPT, HANG, REFUSE, DROP = "accept", "hang", "refuse", "drop"
MODES = (ACCEPT, HANG, REFUSE, DROP)


def port_outside_the_ephemeral_range():
    """A free port below the kernel's range for outgoing connections: while the server
    refuses (nothing listening), no outgoing connection can take the port, so it can
    listen there again."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(max(1025, low - 12000), low)
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the SMTP server")


def message_id_of(content):
    return email.message_from_bytes(content)["Message-ID"]


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        server = self.server
        message_id = message_id_of(envelope.original_content)
        server._count("waiting_for_answer", +1)
        try:
            await server._gate.wait()
            if server.delay:
                await asyncio.sleep(server.delay)
        finally:
            server._count("waiting_for_answer", -1)
        with server._lock:
            server.received.append((message_id, tuple(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class _SMTP(SMTP):
    """aiosmtpd's server, cutting the connection mid-message in "drop" mode."""

    def __init__(self, server, **kwargs):
        super().__init__(_Handler(server), **kwargs)
        self.server = server

    async def smtp_DATA(self, arg):
        if self.server.mode != DROP or not (self.envelope and self.envelope.rcpt_tos):
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        headers = b""
        while not headers.endswith(b"\r\n\r\n"):  # the headers, then the body starts
            line = await self._reader.readuntil(b"\r\n")
            if line == b".\r\n":
                break
            headers += line
        with self.server._lock:
            self.server.dropped.append(message_id_of(headers))
        self.transport.abort()  # no answer to the message: the connection is gone
        return None


class _Hang(asyncio.Protocol):
    """Accepts the connection and never says a word."""

    def __init__(self, server):
        self.server = server

    def connection_made(self, transport):
        self.transport = transport
        self.server._hung_transports.add(transport)
        self.server._count("hanging", +1)
        self.server._count("hung_connections", +1)

    def connection_lost(self, error):
        self.server._hung_transports.discard(self.transport)
        self.server._count("hanging", -1)

    def data_received(self, data):
        pass


class SMTPServer:
    """The server, in a thread of its own; a context manager (stopped on leaving)."""

    def __init__(self, mode=ACCEPT, *, delay=0.0, port=None):
        self.port = port or port_outside_the_ephemeral_range()
        self.mode = mode
        self.delay = delay  # seconds before each message is answered in "accept" mode
        self.received = []  # (Message-ID, recipients) of each message accepted
        self.dropped = []  # Message-ID of each message cut off mid-way
        self._counts = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._listener = None
        self._hung_transports = set()
        self._gate = None

    # Control, from any thread.

    def start(self):
        self._thread.start()
        self._call(self._make_gate)
        self.set_mode(self.mode)
        return self

    def stop(self):
        if not self._thread.is_alive():
            return
        self._call(self._close_everything)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def set_mode(self, mode):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.mode = mode
        self._call(self._listen if mode != REFUSE else self._stop_listening)

    def hold(self):
        """From now on, accepted messages wait for release() before their answer."""
        self._call(self._gate.clear)

    def release(self):
        self._call(self._gate.set)

    def reset(self):
        """Counts emptied, back to "accept", nothing held; hung connections closed."""
        self.release()
        self._call(self._close_hung)
        with self._lock:
            self.received.clear()
            self.dropped.clear()
            self._counts.clear()
        self.delay = 0.0
        self.set_mode(ACCEPT)

    # What it saw.

    def count(self, message_id):
        """How many times the message with this Message-ID was accepted."""
        with self._lock:
            return sum(1 for received, _ in self.received if received == message_id)

    def received_ids(self):
        with self._lock:
            return Counter(message_id for message_id, _ in self.received)

    def recipients_of(self, message_id):
        with self._lock:
            return [rcpt for received, rcpt in self.received if received == message_id]

    @property
    def hanging(self):
        """Connections open right now in "hang" mode (clients stuck waiting)."""
        return self._counts["hanging"]

    @property
    def hung_connections(self):
        """Connections ever accepted in "hang" mode."""
        return self._counts["hung_connections"]

    @property
    def waiting_for_answer(self):
        """Messages received and held (hold()), not answered yet."""
        return self._counts["waiting_for_answer"]

    def wait_for(self, predicate, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"SMTP server: {what} not seen within {seconds} s")

    # Inside the event loop.

    def _call(self, function):
        """Run function in the server's loop and wait for it (a coroutine is awaited)."""

        async def run():
            result = function()
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)

    def _make_gate(self):
        self._gate = asyncio.Event()
        self._gate.set()

    def _count(self, name, step):
        with self._lock:
            self._counts[name] += step

    def _protocol(self):
        if self.mode == HANG:
            return _Hang(self)
        return _SMTP(self, hostname="smtp.test", loop=self._loop)

    async def _listen(self):
        if self._listener is not None:
            return
        for attempt in range(50):
            try:
                self._listener = await self._loop.create_server(
                    self._protocol, "127.0.0.1", self.port, reuse_address=True
                )
                return
            except OSError:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)

    def _stop_listening(self):
        if self._listener is not None:
            self._listener.close()  # open connections stay as they are
            self._listener = None

    def _close_hung(self):
        for transport in list(self._hung_transports):
            transport.abort()

    def _close_everything(self):
        self._stop_listening()
        self._close_hung()
        if self._gate is not None:
            self._gate.set()
