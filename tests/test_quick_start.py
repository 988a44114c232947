"""The README's quick start, followed as a newcomer would: build the demo, serve `public/` with the
static server the README names, open the address it gives, and find the archive, styled."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.config import load_config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> str:
    """The README's text from `## Quick start` to the next heading."""
    match = re.search(r"^## Quick start\n(.*?)^## ", README, re.M | re.S)
    assert match is not None
    return match.group(1)


def test_the_quick_start_is_two_commands_then_a_server_at_the_demos_own_address() -> None:
    text = quick_start()
    [block] = re.findall(r"```sh\n(.*?)```", text, re.S)
    assert [line.split()[:2] for line in block.strip().splitlines()] == [["make", "build"], ["make", "test"]]
    assert "python3 -m http.server -d public" in text
    [address] = re.findall(r"<(http://localhost:\d+/)>", text)
    assert load_config(ROOT).base_url == address  # so every link of the demo works there


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[str]:
    """The demo built as `make build` builds it, served by `python3 -m http.server -d public`."""
    built = subprocess.run([sys.executable, "-m", "site_builder", "build", str(ROOT), "--output",
                            str(tmp_path / "public")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    # The README's port may be taken on this machine: another one shows the same thing, since every
    # link of the demo is a path from the site's root.
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "-d", "public", "--bind", "127.0.0.1", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the static server did not start"
                time.sleep(0.1)
        yield f"http://localhost:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_demo_served_as_the_readme_says_opens_on_a_styled_home_page(browser, served_demo: str) -> None:
    page = browser.new_page()
    try:
        failed: list[str] = []
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(served_demo)
        page.wait_for_url(f"{served_demo}fr/")  # the language chooser sends a French reader on
        assert page.title() == "Le Veilleur"
        assert page.evaluate("[...document.styleSheets].every(s => s.cssRules.length > 0)")
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
        links = page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.href)")
        assert len(links) > 10
        for link in sorted(set(links))[:40]:
            response = page.request.get(link)
            assert response.status == 200, link
        page.goto(served_demo + "en/")
        assert page.title() == "The Watchman"
        assert failed == []
    finally:
        page.close()
