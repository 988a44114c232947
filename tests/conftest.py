"""Fixtures shared by the tests: a static file server on an OS-chosen port."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix` only (like GitHub Pages serves a project site)."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / ".not-served" / "x")  # outside the site: 404
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve_dir() -> Iterator[Callable[..., str]]:
    """`serve_dir(path, prefix="/")` serves `path` on 127.0.0.1 and returns the base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(path: Path, prefix: str = "/") -> str:
        handler = type("Handler", (_QuietHandler,), {"prefix": prefix})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 functools.partial(handler, directory=str(path)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
