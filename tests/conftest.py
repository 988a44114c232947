"""Fixtures shared by the tests: a static file server on an OS-chosen port, and a real browser
(Debian's Chromium driven by Playwright).

Without Chromium the browser tests skip with the reason, except in CI (`CI` set), where they fail."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session", autouse=True)
def own_config_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite's builds (and the processes it starts) keep the cache key in a config folder of the
    suite's own, never in the user's ~/.config, and take no key from the environment it was run in."""
    from site_builder.reuse import key as cache_key

    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    patch.delenv(cache_key.KEY_ENV, raising=False)
    cache_key.forget()
    yield
    patch.undo()
    cache_key.forget()


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


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Path]]:
    """`demo_build(base_url=None)`: the demo archive with its search index, built once per base URL
    for the whole session (None: the `base_url` of its site.toml, as `make build` builds it).
    Tests only read it: at the end of the session each build is checked to be as it was made."""
    from tests.helpers import DEMO, build_site, tree_digest

    built: dict[str | None, tuple[Path, dict[str, str]]] = {}

    def build(base_url: str | None = None) -> Path:
        if base_url not in built:
            out = tmp_path_factory.mktemp("demo") / "public"
            build_site(DEMO, output=out, base_url=base_url)
            built[base_url] = out, tree_digest(out)
        return built[base_url][0]

    yield build
    changed = [str(base_url) for base_url, (out, digest) in built.items() if tree_digest(out) != digest]
    assert not changed, f"a test changed the shared demo build(s) for {changed}: copy it first"


def _no_browser(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (the browser tests must run in CI: .ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium (playwright.sync_api.Browser), shared by the session."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        _no_browser(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _no_browser("Playwright for Python is not installed (pip install -e '.[test]')")
    # The browser tests wait for states (results shown, a page reloaded), they do not time them: on
    # a busy 2-core machine, loading Pagefind's WebAssembly and first index chunks alone took over
    # Playwright's default 5 s, so a state may take up to 20 s to come.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
