"""The preview server, in-process: live reload, error overlay, one rebuild per burst, request safety.

Nothing here sleeps: tests wait for the server's own events (Server-Sent Events read with a timeout)."""

from __future__ import annotations

import errno
import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build
from site_builder.errors import SiteError
from site_builder.preview import serve, serve_http
from site_builder.preview.serve import OVERLAY_ID, Preview, ServeOptions
from site_builder.preview.serve_http import EVENTS_PATH, find_file, host_allowed, request_target
from tests.helpers import article, build_site, default_signals, make_site

A = "content/articles/2024/11/a.fr.md"
A_URL = "/fr/2024/11/a/"
TIMEOUT = 30.0
OVERLAY = f'id="{OVERLAY_ID}"'
"""Upper bound for any single wait; a passing run never comes close to it."""


class Events:
    """A client of the preview's event stream: each `next()` returns one event (name, data)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.conn.request("GET", EVENTS_PATH)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")

    def next(self) -> tuple[str, str]:
        name, data = "message", list[str]()
        deadline = time.monotonic() + TIMEOUT  # (keep-alive comments come more often than the socket times out)
        while True:
            assert time.monotonic() < deadline, "no event in time"
            line = self.response.fp.readline().decode("utf-8")
            assert line, "the event stream ended"
            line = line.rstrip("\n")
            if not line:
                if data:
                    return name, "\n".join(data)
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)

    def next_version(self) -> int:
        """Skip `failed` events up to the next version announcement."""
        while True:
            name, data = self.next()
            if name == "message":
                return int(data)

    def version_reached(self, version: int) -> None:
        """Skip announcements up to that of `version` (each problem reported comes with one)."""
        for _ in range(100):
            if self.next_version() >= version:
                return
        raise AssertionError(f"version {version} never announced")

    def close(self) -> None:
        self.conn.close()


def get(port: int, path: str, host: str | None = None, timeout: float = TIMEOUT) -> tuple[int, str, dict[str, str]]:
    """Send `path` as written (no normalisation), with `host` as the Host header (None: no header)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body, dict(response.getheaders())


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    """Start a preview of a project made of `files` (in tmp_path/project) on a free port."""
    previews: list[Preview] = []

    def starter(files: dict[str, str | bytes], **options: object) -> Preview:
        project = make_site(tmp_path / "project", files)
        messages: list[str] = []
        preview = Preview(ServeOptions(project=project, port=0, **options), messages.append)  # type: ignore[arg-type]
        preview.messages = messages  # type: ignore[attr-defined]
        previews.append(preview)
        preview.start()
        return preview

    yield starter
    for preview in previews:
        preview.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """One preview for the tests that only read from it."""
    project = make_site(tmp_path_factory.mktemp("shared"), {A: article(), "secret.txt": "TOP SECRET project"})
    preview = Preview(ServeOptions(project=project, port=0))
    preview.start()
    (preview.workdir / "secret.txt").write_text("TOP SECRET beside the site", encoding="utf-8")
    yield preview
    preview.stop()


def local(preview: Preview) -> str:
    return f"127.0.0.1:{preview.port}"


# --- live reload ---------------------------------------------------------------------------------

def test_a_content_change_rebuilds_and_announces_a_new_version(start) -> None:
    preview = start({A: article("Avant", body="Premier jet.")})
    events = Events(preview.port)
    assert events.next() == ("message", "1")
    (preview.options.project / A).write_text(article("Après", body="Texte corrigé."), encoding="utf-8")
    assert events.next() == ("message", "2")
    status, page, _ = get(preview.port, A_URL, local(preview))
    assert status == 200 and "Texte corrigé." in page and "Premier jet." not in page
    events.close()


def test_a_template_change_rebuilds_and_announces_a_new_version(start) -> None:
    footer = "templates/partials/footer.html"
    preview = start({A: article(), footer: "<footer>Pied de page A</footer>\n"})
    events = Events(preview.port)
    assert events.next_version() == 1
    (preview.options.project / footer).write_text("<footer>Pied de page B</footer>\n", encoding="utf-8")
    assert events.next_version() == 2
    _, page, _ = get(preview.port, A_URL, local(preview))
    assert "Pied de page B" in page and "Pied de page A" not in page
    events.close()


def test_broken_front_matter_shows_an_escaped_overlay_until_it_is_fixed(start) -> None:
    preview = start({A: article("Bon", body="Version correcte.")})
    events = Events(preview.port)
    assert events.next_version() == 1
    (preview.options.project / A).write_text("---\ntitle: Bon\ndate: <b>mardi</b>\n---\nCassé.\n", encoding="utf-8")
    name, overlay = events.next()
    expected = f"{A}:3: `date` is `&lt;b&gt;mardi&lt;/b&gt;`, not a date"
    assert name == "failed" and OVERLAY in overlay and expected in overlay and "<b>mardi" not in overlay
    assert events.next() == ("message", "1")  # no reload into a broken site: the version stays
    status, page, _ = get(preview.port, A_URL, local(preview))
    assert status == 200 and "Version correcte." in page  # the last good site, under the overlay
    assert OVERLAY in page and expected in page and "<b>mardi" not in page
    terminal = f"{A}:3: `date` is `<b>mardi</b>`, not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+01:00"
    assert terminal in preview.messages  # the terminal says the same, unescaped

    (preview.options.project / A).write_text(article("Bon", body="Version réparée."), encoding="utf-8")
    assert events.next() == ("message", "2")
    _, page, _ = get(preview.port, A_URL, local(preview))
    assert "Version réparée." in page and OVERLAY not in page
    events.close()


def test_a_first_build_that_fails_still_serves_the_overlay(start) -> None:
    preview = start({A: "---\ntitle: [\n---\n"})
    status, page, _ = get(preview.port, "/", local(preview))
    assert status == 500 and OVERLAY in page and EVENTS_PATH in page
    assert f"{A}:3: invalid YAML" in page
    events = Events(preview.port)
    assert events.next()[0] == "failed"
    assert events.next() == ("message", "0")
    (preview.options.project / A).write_text(article("Réparé"), encoding="utf-8")
    assert events.next() == ("message", "1")
    assert get(preview.port, A_URL, local(preview))[0] == 200
    events.close()


def test_many_files_at_once_give_one_rebuild_and_no_loop(start, tmp_path: Path) -> None:
    preview = start({A: article()})
    events = Events(preview.port)
    assert events.next_version() == 1
    staging = tmp_path / "staging"
    make_site(staging, {f"b{i:02d}.en.md": article(f"Article {i}") for i in range(40)})
    make_site(staging, {".b00.en.md.swp": "swap", "b01.en.md~": "backup"})
    os.rename(staging, preview.options.project / "content/articles/batch")  # 40 articles appear at once
    assert events.next_version() == 2
    assert preview.builds == 2
    # Editor litter alone rebuilds nothing; the next real save is the third build, not a fourth.
    make_site(preview.options.project, {"content/articles/.a.fr.md.swp": "swap", "content/articles/a.fr.md~": "x"})
    (preview.options.project / A).write_text(article("Dernier"), encoding="utf-8")
    assert events.next_version() == 3
    assert preview.builds == 3
    assert get(preview.port, "/en/2024/11/b39/", local(preview))[0] == 200
    events.close()


def test_requests_during_a_build_wait_for_it(start) -> None:
    preview = start({A: article("Ancien")})
    with preview.changed:
        preview.writing = True  # as a build does once it starts writing the site
    answers: list[tuple[int, str, dict[str, str]]] = []
    waiting = threading.Thread(target=lambda: answers.append(get(preview.port, A_URL, local(preview))))
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive() and not answers  # held while the build writes
    preview.rebuild([A])  # a real build; it wakes the waiting request
    waiting.join(timeout=TIMEOUT)
    assert answers and answers[0][0] == 200


def test_a_request_is_never_held_long_behind_a_build(start, monkeypatch) -> None:
    assert serve.REQUEST_WAIT_SECONDS <= 30
    preview = start({A: article("Ancien")})
    monkeypatch.setattr(serve, "REQUEST_WAIT_SECONDS", 0.5)  # what that bound does, made quick
    with preview.changed:
        preview.writing = True  # a build that never ends writing
    status, page, headers = get(preview.port, A_URL, local(preview), timeout=5)
    assert status == 503 and 'http-equiv="refresh"' in page and EVENTS_PATH in page  # it tries again by itself
    with preview.changed:
        preview.writing = False
    assert get(preview.port, A_URL, local(preview))[0] == 200


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def release(pipe: Path, away: Path) -> None:
    """Take a named pipe out of the project and end a read of it that waits for a writer, if any."""
    os.rename(pipe, away)
    try:
        os.close(os.open(away, os.O_WRONLY | os.O_NONBLOCK))  # the reader then reads an empty file
    except OSError as exc:
        if exc.errno != errno.ENXIO:  # (ENXIO: nobody is reading it)
            raise


def test_a_build_stuck_on_a_named_pipe_never_holds_requests_for_the_last_good_site(start, tmp_path: Path) -> None:
    preview = start({A: article("Bon", body="La dernière bonne version.")})
    events = Events(preview.port)
    assert events.next_version() == 1
    pipe = preview.options.project / "content/articles/2024/11/b.fr.md"
    os.mkfifo(pipe)  # whoever opens it to read waits for a writer
    try:
        wait_until(lambda: preview.one_build.locked() or preview.builds > 1)  # the watcher has seen it
        status, page, _ = get(preview.port, A_URL, local(preview), timeout=5)
        assert status == 200 and "La dernière bonne version." in page
    finally:
        release(pipe, tmp_path / "pipe")
    (preview.options.project / A).write_text(article("Bon", body="Une nouvelle version."), encoding="utf-8")
    wait_until(lambda: "Une nouvelle version." in get(preview.port, A_URL, local(preview))[1])
    events.close()


def test_a_file_name_that_is_not_utf8_is_reported_escaped_in_the_terminal_and_the_tabs(start) -> None:
    preview = start({A: article("Avant", body="Premier jet.")})
    events = Events(preview.port)
    assert events.next_version() == 1
    folder = os.fsencode(preview.options.project / "content/articles/2024/11")
    with open(os.path.join(folder, b"caf\xe9.fr.md"), "wb") as file:  # watchfiles cannot decode its name
        file.write(article("Caf\u00e9").encode())
    name, overlay = events.next()
    assert name == "failed" and OVERLAY in overlay and "caf\\xe9.fr.md" in overlay.lower()
    said = "\n".join(preview.messages)
    assert "watching for changes failed" in said and "caf\\xe9.fr.md" in said.lower()
    assert not any(0xD800 <= ord(ch) <= 0xDFFF or ord(ch) < 0x20 and ch != "\n" for ch in said + overlay)
    events.close()


def test_the_preview_goes_on_watching_after_a_file_name_that_is_not_utf8(start) -> None:
    preview = start({A: article("Avant", body="Premier jet.")})
    events = Events(preview.port)
    assert events.next_version() == 1
    folder = os.fsencode(preview.options.project / "content/articles/2024/11")
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as file:  # not an article: only the watcher sees it
        file.write(b"notes")
    events.version_reached(2)  # watching again, and everything looked at again
    (preview.options.project / A).write_text(article("Après", body="Texte corrigé."), encoding="utf-8")
    events.version_reached(3)
    _, page, _ = get(preview.port, A_URL, local(preview))
    assert "Texte corrigé." in page and OVERLAY not in page
    events.close()


# --- what is injected, and where -----------------------------------------------------------------

def test_served_pages_carry_the_reload_script_and_build_output_never_does(start, tmp_path: Path) -> None:
    preview = start({A: article()})
    for path in ("/", A_URL, "/fr/", "/no/such/page/"):
        _, page, headers = get(preview.port, path, local(preview))
        assert EVENTS_PATH in page and page.rstrip().endswith("</html>"), path
        assert headers["Cache-Control"] == "no-store"
    _, css, _ = get(preview.port, "/assets/style.css", local(preview))
    assert EVENTS_PATH not in css
    build_site(preview.options.project)
    built = [p for p in (preview.options.project / "public").rglob("*") if p.is_file()]
    assert built and not any(EVENTS_PATH.encode() in p.read_bytes() for p in built)
    assert not any(OVERLAY.encode() in p.read_bytes() for p in built)


def test_a_folder_without_its_slash_is_redirected(shared: Preview) -> None:
    preview = shared
    status, _, headers = get(preview.port, A_URL.rstrip("/"), local(preview))
    assert status == 301 and headers["Location"] == A_URL


def test_a_missing_page_gets_the_site_404_page(shared: Preview) -> None:
    preview = shared
    status, page, _ = get(preview.port, "/fr/2099/01/rien/", local(preview))
    assert status == 404 and "Page introuvable" in page


# --- safety --------------------------------------------------------------------------------------

TRAVERSALS = [
    "/../secret.txt", "/../../secret.txt", "/fr/../../secret.txt", "/%2e%2e/secret.txt",
    "/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%2f..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
    "/..%5csecret.txt", "/..\\secret.txt", "/fr/%2e%2e%5c%2e%2e%5csecret.txt", "//secret.txt",
    "//example.org/secret.txt", "/%2f%2e%2e/secret.txt", "/./../secret.txt", "/index.html%00.txt",
    "/%00/../secret.txt", "/%252e%252e/secret.txt", "/%c0%ae%c0%ae/secret.txt", "/project/secret.txt",
    "http://127.0.0.1/../secret.txt", "*",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_traversal_in_any_spelling_never_reaches_a_file_outside(shared: Preview, raw_path: str) -> None:
    status, body, _ = get(shared.port, raw_path, local(shared))
    assert status in (400, 404), (raw_path, status)
    assert "TOP SECRET" not in body


def test_a_raw_nul_byte_in_the_path_is_refused(shared: Preview) -> None:
    preview = shared
    with socket.create_connection(("127.0.0.1", preview.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET /index.html\x00/../../etc/passwd HTTP/1.0\r\nHost: " + local(preview).encode() + b"\r\n\r\n")
        reply = b"".join(iter(lambda: sock.recv(65536), b""))
    assert reply.startswith(b"HTTP/1.0 400") and b"root:" not in reply


def test_links_out_of_the_served_folder_are_not_followed(start, tmp_path: Path) -> None:
    preview = start({A: article()})
    outside = tmp_path / "outside.txt"
    outside.write_text("TOP SECRET", encoding="utf-8")
    (preview.site_dir / "link.txt").symlink_to(outside)
    (preview.site_dir / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    for path in ("/link.txt", "/linked-folder/outside.txt"):
        status, body, _ = get(preview.port, path, local(preview))
        assert status == 404 and "TOP SECRET" not in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example",
                                  "localhost.evil.example", None, "", "[::1].evil.example", "[::1]evil.example",
                                  "localhost:evil", "localhost:", "::1", "[::1", "[evil.example]",
                                  "127.0.0.1:80:80", "localhost@evil.example"])
def test_a_foreign_or_missing_host_is_refused(shared: Preview, host: str | None) -> None:
    status, body, _ = get(shared.port, A_URL, host)
    assert status == 403 and "<html" not in body


def test_local_host_names_are_served(shared: Preview) -> None:
    preview = shared
    for host in (f"127.0.0.1:{preview.port}", f"localhost:{preview.port}", "LOCALHOST", f"[::1]:{preview.port}",
                 "[::1]", "[0:0:0:0:0:0:0:1]:80"):
        assert get(preview.port, A_URL, host)[0] == 200, host
    assert get(preview.port, EVENTS_PATH, "evil.example")[0] == 403


def test_two_host_headers_are_a_bad_request(shared: Preview) -> None:
    for hosts in ([local(shared), "evil.example"], ["evil.example", local(shared)], [local(shared)] * 2):
        with socket.create_connection(("127.0.0.1", shared.port), timeout=TIMEOUT) as sock:
            sock.sendall(f"GET {A_URL} HTTP/1.0\r\n".encode() + b"".join(f"Host: {h}\r\n".encode() for h in hosts)
                         + b"\r\n")
            reply = b"".join(iter(lambda: sock.recv(65536), b""))
        assert reply.startswith(b"HTTP/1.0 400") and b"Du texte." not in reply, hosts


@pytest.mark.parametrize("raw_path", ["/%zz/", "/%", "/fr/%", "/fr%2", "/%c0%ae%c0%ae/", "/%e9t%e9/", "/%ed%a0%80/"])
def test_a_malformed_percent_escape_is_a_bad_request(shared: Preview, raw_path: str) -> None:
    assert get(shared.port, raw_path, local(shared))[0] == 400, raw_path


def test_request_target_keeps_only_plain_segments() -> None:
    assert request_target("/fr/2024/11/a/?x=1#top") == (["fr", "2024", "11", "a"], True)
    assert request_target("/assets/style.css") == (["assets", "style.css"], False)
    assert request_target("/") == ([], True)
    assert request_target("/d%C3%A9fense/") == (["défense"], True)
    for bad in ("/a/../b", "/a/%2E%2E/b", "/a%2f..%2fb", "/a%5cb", "//x", "x", "/a//b", "/%ff/", "/a%00b", "/a%0ab",
                "/%zz", "/a%", "/a%4", "/%%41"):
        assert request_target(bad) is None, bad


def test_host_check_when_serving_the_network_accepts_addresses_only() -> None:
    assert host_allowed("192.168.1.20:8000", "0.0.0.0")
    assert not host_allowed("192.168.1.20:8000", "127.0.0.1")
    assert not host_allowed("attacker.example", "0.0.0.0")
    assert not host_allowed("192.168.1.20.attacker.example", "0.0.0.0")
    assert not host_allowed("192.168.1.20:attacker", "0.0.0.0")


def test_host_check_accepts_the_bound_host_exactly() -> None:
    assert host_allowed("preview.local:8000", "preview.local")
    assert host_allowed("[fd00::5]:8000", "fd00::5")
    assert not host_allowed("preview.local.attacker.example", "preview.local")
    assert not host_allowed("[fd00::5].attacker.example", "fd00::5")


# --- many clients ----------------------------------------------------------------------------------

def test_two_hundred_connections_at_once_all_wait_in_the_queue(tmp_path: Path) -> None:
    # The server listens but does not accept yet: every connection must fit in the listen queue
    # (with a queue of 5, the system drops the others' first attempts, and they retry a second later).
    preview = Preview(ServeOptions(project=make_site(tmp_path, {A: article()}), port=0))
    sockets: list[socket.socket] = []
    try:
        for _ in range(200):
            sockets.append(socket.create_connection(("127.0.0.1", preview.port), timeout=0.5))
    finally:
        for sock in sockets:
            sock.close()
        preview.stop()
    assert len(sockets) == 200


def test_an_idle_or_half_sent_request_is_closed_and_others_are_answered(shared: Preview, monkeypatch) -> None:
    assert 5 <= serve_http.PreviewHandler.timeout <= 30  # type: ignore[operator]
    monkeypatch.setattr(serve_http.PreviewHandler, "timeout", 0.5)  # what that bound does, made quick
    started = time.monotonic()
    idle = socket.create_connection(("127.0.0.1", shared.port), timeout=TIMEOUT)
    half = socket.create_connection(("127.0.0.1", shared.port), timeout=TIMEOUT)
    half.sendall(f"GET {A_URL} HTTP/1.1\r\nHost: {local(shared)}\r\n".encode())  # never ends its headers
    assert get(shared.port, A_URL, local(shared))[0] == 200  # the others do not hold anyone up
    for sock in (idle, half):
        with sock:
            assert sock.recv(65536) == b""  # closed by the server, nothing answered
    assert time.monotonic() - started < TIMEOUT / 2


# --- the command ---------------------------------------------------------------------------------

def test_a_busy_port_or_a_missing_project_is_reported_without_traceback(shared: Preview, tmp_path: Path) -> None:
    with pytest.raises(SiteError, match=rf"cannot listen on 127.0.0.1 port {shared.port}: .*another with --port"):
        Preview(ServeOptions(project=shared.options.project, port=shared.port))
    with pytest.raises(SiteError, match=r"nowhere: is not a folder"):
        serve.serve(ServeOptions(project=tmp_path / "nowhere", port=0))


class ServeProcess:
    """`site-builder serve PROJECT --port 0 OPTIONS` in a process of its own, building in `temporary`."""

    def __init__(self, project: Path, temporary: Path, *options: str):
        command = [sys.executable, "-m", "site_builder", "serve", str(project), "--port", "0", *options]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "TMPDIR": str(temporary)}, preexec_fn=default_signals)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.output: list[str] = []
        try:
            while not (self.output and self.output[-1].startswith("Serving")):
                self.output.append(self.lines.get(timeout=TIMEOUT))
        except BaseException:
            self.process.kill()
            raise
        self.port = int(self.output[-1].split(" at http://127.0.0.1:")[1].split("/")[0])

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def stop(self, how: signal.Signals = signal.SIGINT) -> tuple[int | None, str]:
        """Send `how` (Ctrl-C: SIGINT); return the exit status and all it said."""
        self.process.send_signal(how)
        try:
            status: int | None = self.process.wait(timeout=TIMEOUT)
            self.reader.join(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            if self.process.poll() is None:
                self.process.kill()
        self.output.extend(self.lines.queue)
        return status, "".join(self.output)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "kill", "hang-up"])
def test_ctrl_c_kill_or_a_closed_terminal_stops_the_server_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    project = make_site(tmp_path / "site", {A: article()})
    temporary = tmp_path / "tmp"  # where the preview builds: left empty
    temporary.mkdir()
    server = ServeProcess(project, temporary)
    try:
        assert get(server.port, A_URL, f"localhost:{server.port}")[0] == 200  # built, serving, watching
        assert list(temporary.iterdir())
    finally:
        status, said = server.stop(stop)
    assert status == 0, said
    assert "Stopped." in said and "Traceback" not in said
    assert list(temporary.iterdir()) == []


def test_find_file_stays_inside_the_served_folder_even_when_asked_to_leave(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"site/index.html": "ok", "secret.txt": "TOP SECRET"}) / "site"
    assert find_file(site, ["index.html"]) == (site / "index.html").resolve()
    assert find_file(site, ["..", "secret.txt"]) is None
    assert find_file(site, [str(tmp_path / "secret.txt")]) is None  # an absolute segment
    assert find_file(site, ["x" * 5000]) is None  # a name too long for the system


# --- under load ----------------------------------------------------------------------------------

LOAD_SECONDS = float(os.environ.get("SITE_BUILDER_LOAD_SECONDS", "30"))
"""How long the load test runs (the issue asks for 30 s)."""
CLIENTS = 200
LOAD_PATHS = (A_URL, "/fr/", "/assets/style.css", "/fr/2099/01/rien/")
INJECTED = re.compile(rb'<script>\(\(\)=>\{const v="\d+";.*?</script>', re.DOTALL)


def load_version(n: int) -> str:
    paragraphs = "\n\n".join(f"Version {n}, paragraphe {i} : " + "texte " * 40 for i in range(60))
    return article("Sous charge", body=paragraphs)


def complete_pages(tmp_path: Path, versions: int, base_url: str) -> dict[str, set[bytes]]:
    """Path → the bytes it has in the site built from each version of the article (a build of its own)."""
    pages: dict[str, set[bytes]] = {path: set() for path in LOAD_PATHS}
    for n in range(versions):
        project = make_site(tmp_path / f"version-{n}", {A: load_version(n)})
        out = tmp_path / f"built-{n}"
        build(BuildOptions(project=project, output=out, base_url=base_url, search=False, cache=False))
        for path in LOAD_PATHS:
            file = out / path.strip("/") / ("index.html" if path.endswith("/") else "")
            pages[path].add((file if file.exists() else out / "404.html").read_bytes())
    return pages


def client(port: int, deadline: float, results: list[tuple[str, int | str, bytes, float]]) -> None:
    """Ask for the pages one after the other, each on a new connection, until `deadline` (1,000 at most)."""
    for i in range(1000):
        if time.monotonic() > deadline:
            return
        path = LOAD_PATHS[i % len(LOAD_PATHS)]
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            conn.connect()
            connected = time.monotonic() - started
            conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
            response = conn.getresponse()
            results.append((path, response.status, response.read(), connected))
            conn.close()
        except OSError as exc:
            results.append((path, f"{type(exc).__name__}: {exc}", b"", time.monotonic() - started))


def test_two_hundred_clients_while_files_are_saved_all_get_complete_pages(tmp_path: Path) -> None:
    versions = 5
    project = make_site(tmp_path / "project", {A: load_version(0)})
    (tmp_path / "tmp").mkdir()
    server = ServeProcess(project, tmp_path / "tmp", "--no-search")
    try:
        pages = complete_pages(tmp_path, versions, f"http://127.0.0.1:{server.port}/")
        deadline = time.monotonic() + LOAD_SECONDS
        results: list[tuple[str, int | str, bytes, float]] = []
        clients = [threading.Thread(target=client, args=(server.port, deadline, results), daemon=True)
                   for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        saves = 0
        saved = tmp_path / "saved.md"
        while time.monotonic() < deadline - 1 and saves < 1000:  # the writer saves a new version now and then
            saves += 1
            # Saved whole, as most editors do (a new file renamed over the old): written in place, the
            # file can stay empty for a while among 200 client threads, long enough for the preview to
            # build it as it is and show the build's error over every page, which is right but not
            # what this test is about.
            saved.write_text(load_version(saves % versions), encoding="utf-8")
            os.replace(saved, project / A)
            time.sleep(0.3)
        for thread in clients:
            thread.join(timeout=LOAD_SECONDS + 2 * TIMEOUT)
        assert not any(thread.is_alive() for thread in clients)
    finally:
        status, said = server.stop()
    assert status == 0, said
    unanswered = [(path, status) for path, status, _, _ in results if not isinstance(status, int)]
    wrong = [(path, status) for path, status, _, _ in results
             if isinstance(status, int) and status != (404 if "rien" in path else 200)]
    half_built = [path for path, status, body, _ in results if isinstance(status, int)
                  and INJECTED.sub(b"", body) not in pages[path]]
    dropped = [connected for _, _, _, connected in results if connected >= 1.0]  # the first retry of a connection
    seen = {body for path, _, body, _ in results if path == A_URL}
    rebuilt = said.count("changed, rebuilt")
    summary = (f"{len(results)} requests, {len(unanswered)} unanswered, {len(wrong)} wrong status, "
               f"{len(half_built)} half-built, {len(dropped)} connections retried, {rebuilt} rebuilds")
    print(summary)  # (shown with -s)
    assert not unanswered and not wrong and not half_built and not dropped, summary + f": {unanswered[:3]} {wrong[:3]}"
    assert len(results) > CLIENTS and rebuilt >= 2 and len({INJECTED.sub(b"", b) for b in seen}) >= 2, summary
    assert "Traceback" not in said
