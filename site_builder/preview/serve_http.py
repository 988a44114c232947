"""The HTTP side of the preview (`serve.py`): the server, its request handler, and the checks every
request passes before a file is read: the Host header (DNS rebinding) and the path (traversal in any
spelling, malformed escapes, links out of the served folder).

A newsroom may point many tabs and tools at one preview: the server keeps a long queue of connections
waiting to be accepted, answers each on its own thread, and closes a connection that stays silent
(an idle or half-sent request) rather than keeping a thread on it forever."""

from __future__ import annotations

import ipaddress
import logging
import mimetypes
import re
import socket
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Event
from typing import Any, Protocol
from urllib.parse import unquote

from site_builder.errors import ConfigError, Problem

log = logging.getLogger(__name__)


class Hosted(Protocol):
    @property
    def host(self) -> str:
        """Where the preview listens: which Host headers it answers (see `host_allowed`)."""


class Preview(Protocol):
    """What the HTTP side asks of the preview (`serve.Preview`), which imports this module."""

    @property
    def options(self) -> Hosted: ...

    @property
    def stopped(self) -> Event: ...

    def respond(self, raw_path: str) -> Response: ...

    def next_events(self, seen: Any, timeout: float) -> tuple[Any, bytes]: ...

EVENTS_PATH = "/__livereload"
KEEPALIVE_SECONDS = 15.0
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
LISTEN_BACKLOG = socket.SOMAXCONN
"""Connections the system keeps waiting to be accepted (the kernel caps it at net.core.somaxconn):
with the library's default of 5, a burst of tabs and tools has its connections dropped and retried."""
CONNECTION_TIMEOUT_SECONDS = 15.0
"""How long a connection may stay silent (reading the request) or stalled (taking the answer) before it
is closed; the event streams send a keep-alive more often than that."""
HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[^\[\]]*)\]|(?P<name>[^\[\]:]*))(?::(?P<port>[0-9]{1,5}))?")
"""A Host header: a name or IPv4 address, or an IPv6 address in brackets, then an optional port."""
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
"""A `%` that does not start an escape (`%zz`, a lone `%`): the request is malformed."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    location: str | None = None


# --- request safety ------------------------------------------------------------------------------

def request_target(raw_path: str) -> tuple[list[str], bool] | None:
    """Path segments of a request target and whether it names a folder; None when it is malformed
    (`%zz`, a lone `%`, escapes that decode to no UTF-8 or to overlong UTF-8) or unsafe in any spelling
    (`..`, `%2e%2e`, `..%2f`, `..%5c`, `//host`, NUL and other controls)."""
    if not raw_path.startswith("/") or raw_path.startswith("//"):
        return None
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    if BAD_ESCAPE.search(path):  # (unquote would keep it as written: a 404 instead of a 400)
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded):
        return None
    segments = decoded.split("/")[1:]
    is_folder = decoded.endswith("/")
    if is_folder:
        segments = segments[:-1]
    if any(s in ("", ".", "..") for s in segments):
        return None
    return segments, is_folder


def find_file(root: Path, segments: list[str]) -> Path | None:
    """The path `segments` name under `root`, or None when it would leave `root` (links included)."""
    try:
        candidate = root.joinpath(*segments).resolve()
        inside = candidate.is_relative_to(root.resolve()) and candidate.exists()
    except OSError:  # a name too long, a loop of links: nothing to serve
        return None
    return candidate if inside else None


def host_allowed(header: str | None, bound: str) -> bool:
    """True when the Host header names this machine exactly as the server was bound (a loopback name
    or address, or the bound host, then an optional numeric port): refuses DNS rebinding, and any
    header that only starts like a local one (`[::1].evil.example`, `localhost:evil`)."""
    name = host_name(header)
    if name is None:
        return False
    if name == "localhost" or name == bound.lower() or _is_loopback(name):
        return True
    if bound in WILDCARD_HOSTS:  # the writer chose to serve the network: accept addresses and this machine
        return _is_address(name) or name in {socket.gethostname().lower(), socket.getfqdn().lower()}
    return False


def host_name(header: str | None) -> str | None:
    """The host a Host header names, lower-cased (an IPv6 address without its brackets); None when
    the header is missing or is not exactly a host and an optional numeric port."""
    found = HOST_HEADER.fullmatch((header or "").strip().lower())
    if found is None:
        return None
    if found["ipv6"] is not None:
        try:
            return str(ipaddress.IPv6Address(found["ipv6"]))
        except ValueError:
            return None
    name = found["name"]
    return name or None


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def sse(data: str, event: str | None = None) -> bytes:
    """One Server-Sent Event; every line of `data` is sent as its own `data:` line."""
    lines = [f"event: {event}"] if event else []
    lines += [f"data: {line}" for line in data.split("\n")]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def content_type(name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    textual = kind.startswith("text/") or kind in ("application/javascript", "application/json",
                                                   "image/svg+xml", "application/xml")
    return f"{kind}; charset=utf-8" if textual else kind


# --- HTTP ----------------------------------------------------------------------------------------

class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to one Preview; quiet when a browser drops a connection."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], preview: Preview):
        self.preview = preview
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        try:
            super().__init__(address, PreviewHandler)
        except OSError as exc:
            raise ConfigError([Problem("command line", None, f"cannot listen on {address[0]} port "
                                       f"{address[1]}: {exc.strerror}; choose another with --port")]) from exc

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        log.debug("request from %s failed", client_address, exc_info=True)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "site-builder-preview"
    timeout = CONNECTION_TIMEOUT_SECONDS
    """(Set on the connection's socket by the base class: a read or write that waits longer fails.)"""

    def do_GET(self) -> None:
        self.answer(head=False)

    def do_HEAD(self) -> None:
        self.answer(head=True)

    def answer(self, head: bool) -> None:
        preview = self.server.preview
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:  # which one counts would depend on who reads it: refuse to guess
            self.send(Response(HTTPStatus.BAD_REQUEST, b"Bad request: more than one Host header\n"), head)
        elif not host_allowed(hosts[0] if hosts else None, preview.options.host):
            self.send(Response(HTTPStatus.FORBIDDEN, b"Forbidden: this preview answers to localhost only\n"), head)
        elif self.path.split("?", 1)[0] == EVENTS_PATH:
            self.stream_events(preview, head)
        else:
            self.send(preview.respond(self.path), head)

    def send(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def stream_events(self, preview: Preview, head: bool) -> None:
        """Send the current version, then each new one (and each failure) until the tab goes away."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        seen = None
        try:
            while not preview.stopped.is_set():
                seen, events = preview.next_events(seen, KEEPALIVE_SECONDS)
                self.wfile.write(events or b": keep-alive\n\n")  # a keep-alive finds closed connections
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log.debug("an event stream closed")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        log.debug("%s %s", self.address_string(), format % args)


