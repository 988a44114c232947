"""`serve`: build into a temporary folder, serve it on 127.0.0.1, rebuild on every change and reload
the open tabs (Server-Sent Events); show build errors in the browser over the last good site.

The search index is made after the first build, into a folder of its own served as `/pagefind/`;
after each later good build, once the tabs have reloaded, only the article pages changed since are
indexed, into a small extra bundle the search page merges (`preview.search_delta`): an edit shows at
once, and search catches up a moment later, without Pagefind reading the whole site again.

Requests wait while a build writes the site, so a browser never sees a half-built one; until a build
starts writing, they are answered from the last good site, and no request waits more than
REQUEST_WAIT_SECONDS (a build stuck on something must not freeze the preview). The reload script
and the error overlay are added to served HTML only, never to the build output.

Whatever fails while watching or rebuilding is reported, in the terminal and over the open tabs,
and the preview goes on watching: the next save is rebuilt."""

from __future__ import annotations

import dataclasses
import html
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from site_builder import urls
from site_builder.build import BuildOptions, BuildResult
from site_builder.errors import ConfigError, Problem, SiteError, shown, shown_lines
from site_builder.output import pagefind
from site_builder.preview import search_delta
from site_builder.preview.serve_http import (
    EVENTS_PATH,
    WILDCARD_HOSTS,
    PreviewServer,
    Response,
    content_type,
    find_file,
    request_target,
    sse,
)
from site_builder.preview.session import Session
from site_builder.preview.watch import watch

log = logging.getLogger(__name__)

OVERLAY_ID = "site-builder-overlay"
REQUEST_WAIT_SECONDS = 20.0
"""How long a request waits for a build to finish writing the site (or for the first build) before it
is answered 503 with a page that tries again by itself."""

Echo = Callable[[str], None]
News = tuple[int, tuple[Problem, ...]]
"""What open tabs follow: the version of the last good build, and the problems of the last build."""


@dataclass(frozen=True)
class ServeOptions:
    """What `site-builder serve` is asked to do."""

    project: Path = Path(".")
    host: str = "127.0.0.1"
    port: int = 8000
    """0 lets the system choose a free port (tests)."""
    drafts: bool = False
    search: bool = True
    """`--no-search` sets it False: the preview's builds then skip the search index."""
    debug: bool = False


def serve(options: ServeOptions, echo: Echo | None = None) -> None:
    """Serve `options.project` until Ctrl-C; a broken file never stops the server."""
    say = echo or _stderr
    if not options.project.is_dir():
        raise ConfigError([Problem(str(options.project), None, "is not a folder: give the project folder "
                                   "(the one that holds content/)")])
    preview = Preview(options, say)
    put_back = stop_on_termination()
    try:
        say(f"Serving {options.project} at {preview.url} (Ctrl-C to stop)")
        preview.start()
        preview.stopped.wait()
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        preview.stop()
        put_back()


def stop_on_termination() -> Callable[[], None]:
    """Make SIGTERM and SIGHUP (`kill`, a closed terminal) stop the server as Ctrl-C does, so that
    its temporary folder goes too; return what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {number: signal.signal(number, interrupt) for number in numbers}

    def put_back() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return put_back


class Preview:
    """The preview's state: the last good site, the last build's problems, and the version of the
    site that open tabs follow (bumped after each successful build only)."""

    def __init__(self, options: ServeOptions, echo: Echo = lambda message: None):
        self.options = options
        self.echo: Echo = lambda message: echo(shown_lines(message))
        """What the terminal is told, every file name in it escaped."""
        self.server = PreviewServer((options.host, options.port), self)
        self.workdir = Path(tempfile.mkdtemp(prefix="site-builder-serve-"))
        self.site_dir = self.workdir / "site"
        self.search_dir = self.workdir / "search"
        """The search bundles, served as /pagefind/ (kept out of site/, which the builds own)."""
        self.indexing = False
        """True while the search index is being refreshed: requests for /pagefind/ wait."""
        self.indexed: search_delta.Snapshot | None = None
        """The article pages as the full index saw them (None: make a full index next)."""
        self.changed = threading.Condition()
        self.one_build = threading.Lock()
        """Builds never overlap: they share the output folder."""
        self.writing = True
        """True while a build changes the site folder (and until the first build is done): requests wait."""
        self.watch_problems: list[Problem] = []
        """What went wrong while watching since the last build: shown with that build's problems."""
        self.version = 0
        self.builds = 0
        """Builds run so far, good or bad."""
        self.problems: tuple[Problem, ...] = ()
        """Problems of the last build; empty when it succeeded."""
        self.stopped = threading.Event()
        self.watching = threading.Event()
        self.threads: list[threading.Thread] = []
        self.session = Session(before_write=self._hold_requests)
        """The builds so far: an edit of an article's body re-renders only what shows it."""

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        host = self.options.host
        host = "127.0.0.1" if host in WILDCARD_HOSTS else f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def build_options(self) -> BuildOptions:
        """The build the preview runs: the site served at its own URL, into the temporary folder."""
        # Workers are forked; once the server and watcher threads run, a fork could copy a lock one of
        # them holds into a child that then waits forever. So only the first build (before any thread
        # starts) uses workers; an edit re-renders a few pages, which workers would not speed up anyway.
        jobs = 1 if self.threads else None
        return BuildOptions(project=self.options.project, output=self.site_dir, base_url=self.url,
                            drafts=self.options.drafts, search=False, jobs=jobs)

    def start(self) -> None:
        """Build once, then serve and watch; return when the watcher is in place.

        The socket listens from the start, so a browser that connects during the first build simply
        waits for its answer; starting no thread before that build lets Ctrl-C stop it cleanly."""
        self.rebuild([])
        self._spawn("server", lambda: self.server.serve_forever(poll_interval=0.1))
        self._spawn("watcher", lambda: watch(self.options.project, self.rebuild, self.stopped, self.watching,
                                             self.watch_failed))
        self.watching.wait(timeout=30)

    def stop(self) -> None:
        """Stop watching and serving, end the event streams and remove the temporary folder."""
        self.stopped.set()
        with self.changed:
            self.changed.notify_all()
        if any(t.name == "server" and t.is_alive() for t in self.threads):
            self.server.shutdown()
        self.server.server_close()
        for thread in self.threads:
            thread.join(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    # --- building ------------------------------------------------------------------------------

    def rebuild(self, changed: Sequence[str] | None) -> None:
        """Build the site (`changed` None: what changed is not known); on success open tabs reload,
        and they show the problems of the build, if any, and of watching since the last one."""
        with self.one_build:
            started = time.perf_counter()
            result, problems = self._try_build(changed)
            with self.changed:
                problems, self.watch_problems = (*problems, *self.watch_problems), []
            reindex = result is not None and self.options.search
            self._finish(result is not None, problems, reindex)
            if result is not None and reindex:
                self._index(result)
        if result is not None:
            count = len(result.warnings)
            warned = f", {count} warning{'s' if count > 1 else ''} (see `site-builder check`)" if count else ""
            self.echo(f"{describe(changed)}: {sum(result.articles.values())} articles, {result.pages} pages "
                      f"in {time.perf_counter() - started:.2f} s{warned}")

    def _hold_requests(self) -> None:
        """Called by the build just before it changes the site folder: from now on requests wait."""
        with self.changed:
            self.writing = True

    def watch_failed(self, exc: Exception) -> None:
        """Watching or rebuilding failed: say so now, in the terminal and the open tabs, and again with
        the next build's problems."""
        problem = watch_problem(self.options.project, exc)
        with self.changed:
            self.writing = self.indexing = False  # (if a rebuild failed half-way: no request waits for it)
            self.watch_problems.append(problem)
            self.problems = (*self.problems, problem)
            self.changed.notify_all()
        self.echo(str(problem))

    def _try_build(self, changed: Sequence[str] | None) -> tuple[BuildResult | None, tuple[Problem, ...]]:
        try:
            return self.session.build(self.build_options(), changed), ()
        except SiteError as exc:
            return None, tuple(exc.problems)
        except Exception as exc:  # a bug must not kill the watcher: report it and keep serving
            log.debug("build crashed", exc_info=True)
            return None, (Problem("site-builder", None, f"the build crashed: {type(exc).__name__}: {exc} "
                                  "(run with --debug for the traceback)"),)

    def _index(self, result: BuildResult) -> None:
        """Index the pages changed since the full index into the extra bundle or, the first time (or
        past `search_delta.DELTA_LIMIT` changed pages), the whole site into a new bundle folder,
        then swap it in for /pagefind/."""
        languages = [lang for lang, n in result.articles.items() if n]
        try:
            now = search_delta.snapshot(self.site_dir, languages)
            changed, deleted = search_delta.changes(self.indexed, now) if self.indexed is not None else ([], [])
            if self.indexed is not None and len(changed) + len(deleted) <= search_delta.DELTA_LIMIT:
                search_delta.write_delta(self.site_dir, self.search_dir, changed, deleted, self.workdir)
                return
            fresh = self.workdir / "search-next"
            shutil.rmtree(fresh, ignore_errors=True)
            pagefind.index_site(self.site_dir, languages, fresh)
            shutil.rmtree(self.search_dir, ignore_errors=True)
            fresh.mkdir(exist_ok=True)  # no articles, no bundle: the search page says search is unavailable
            fresh.rename(self.search_dir)
            self.indexed = now
        except SiteError as exc:
            self.echo("; ".join(str(p) for p in exc.problems) + " (search keeps its previous index)")
        finally:
            with self.changed:
                self.indexing = False
                self.changed.notify_all()

    def _finish(self, built: bool, problems: tuple[Problem, ...], reindex: bool) -> None:
        with self.changed:
            self.writing = False
            self.indexing = reindex  # set with the new version, so no request sees the old index with it
            self.builds += 1
            if built:
                self.version += 1
            self.problems = problems
            self.changed.notify_all()
        for problem in problems:
            self.echo(str(problem))
        if not built:
            kept = "showing the last good version" if self.version else "nothing to show yet"
            self.echo(f"Build failed: {len(problems)} problem(s); {kept}. Fix the file and save.")

    def wait_for_news(self, seen: News | None, timeout: float) -> News:
        """Block until the version or the problems differ from `seen` (or `timeout`); return them."""
        with self.changed:
            self.changed.wait_for(lambda: self.stopped.is_set() or (self.version, self.problems) != seen,
                                  timeout)
            return self.version, self.problems

    def next_events(self, seen: News | None, timeout: float) -> tuple[News, bytes]:
        """What an event stream that has seen `seen` sends next: a `failed` event with the overlay
        while the build fails, then the version; b"" when nothing changed within `timeout`."""
        news = self.wait_for_news(seen, timeout)
        if news == seen:
            return news, b""
        version, problems = news
        failed = sse(overlay_html(problems), "failed") if problems else b""
        return news, failed + sse(str(version))

    # --- answering -----------------------------------------------------------------------------

    def respond(self, raw_path: str) -> Response:
        """The answer to GET `raw_path`, once no build is running; HTML gets the script and overlay."""
        target = request_target(raw_path)
        if target is None:
            return Response(HTTPStatus.BAD_REQUEST, b"Bad request: malformed or unsafe path\n")
        segments, is_folder = target
        in_index = segments[:1] == [urls.search_bundle_root().strip("/")]
        with self.changed:
            if not self.changed.wait_for(lambda: not self.writing and not (in_index and self.indexing),
                                         REQUEST_WAIT_SECONDS):
                response = Response(HTTPStatus.SERVICE_UNAVAILABLE, BUSY_PAGE, "text/html; charset=utf-8")
            else:
                response = self._lookup(segments, is_folder, raw_path)
            version, problems = self.version, self.problems
        if response.content_type.startswith("text/html"):
            extra = (overlay_html(problems) if problems else "") + reload_script(version)
            response = dataclasses.replace(response, body=inject(response.body, extra))
        return response

    def _lookup(self, segments: list[str], is_folder: bool, raw_path: str) -> Response:
        if self.version == 0:  # the first build failed: there is no site yet
            return Response(HTTPStatus.INTERNAL_SERVER_ERROR, ERROR_PAGE, "text/html; charset=utf-8")
        in_index = segments[:1] == [urls.search_bundle_root().strip("/")]
        found = find_file(self.search_dir, segments[1:]) if in_index else find_file(self.site_dir, segments)
        if found is not None and found.is_dir():
            if not is_folder:
                query = raw_path.partition("?")[2]
                location = "/" + "/".join(quote(s) for s in segments) + "/" + (f"?{query}" if query else "")
                return Response(HTTPStatus.MOVED_PERMANENTLY, location=location)
            found = find_file(self.site_dir, [*segments, "index.html"])
        if found is not None and found.is_file():
            return Response(HTTPStatus.OK, found.read_bytes(), content_type(found.name))
        not_found = find_file(self.site_dir, ["404.html"])
        if not_found is not None and not_found.is_file():
            return Response(HTTPStatus.NOT_FOUND, not_found.read_bytes(), "text/html; charset=utf-8")
        return Response(HTTPStatus.NOT_FOUND, b"Not found\n")


ERROR_PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title>"
              b"</head><body><p>The site could not be built yet.</p></body></html>\n")
BUSY_PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
             b"content=\"2\"><title>Still building</title></head><body><p>The site is still being built; this page "
             b"tries again by itself.</p></body></html>\n")
def watch_problem(project: Path, exc: Exception) -> Problem:
    """How a failure of watching or rebuilding is reported: what failed, and that the preview goes on."""
    return Problem(str(project), None, f"watching for changes failed ({type(exc).__name__}: {exc}); the "
                   "preview goes on watching, and builds the whole site again if a change may have been missed: "
                   "if a file is named there, rename or remove it (a file name must be UTF-8)")


def describe(changed: Sequence[str] | None) -> str:
    """`Built`, or `content/a.md changed` (and how many more)."""
    if changed is None:
        return "Looked at everything again, rebuilt"
    if not changed:
        return "Built"
    more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
    return f"{shown(changed[0])}{more} changed, rebuilt"


# --- what is added to served HTML ----------------------------------------------------------------

def reload_script(version: int) -> str:
    """Reload when a newer build is announced; show the overlay when a build fails."""
    return (
        "<script>(()=>{const v=\"" + str(version) + "\";const s=new EventSource(\"" + EVENTS_PATH + "\");"
        "s.onmessage=e=>{if(e.data!==v){s.close();location.reload();}};"
        "s.addEventListener(\"failed\",e=>{document.getElementById(\"" + OVERLAY_ID + "\")?.remove();"
        "document.body.insertAdjacentHTML(\"beforeend\",e.data);});})();"
        # Where the search page finds the pages edited since the full index (preview.search_delta).
        "window.siteBuilderSearchDelta=\"/" + urls.search_bundle_root() + search_delta.MANIFEST + "\";</script>"
    )


def overlay_html(problems: Sequence[Problem]) -> str:
    """The error overlay: every problem as `path:line: message`, HTML-escaped, over the page."""
    items = "".join(f"<li>{html.escape(shown_lines(str(p)))}</li>" for p in problems)
    return (
        f'<div id="{OVERLAY_ID}" role="alert" style="position:fixed;inset:0;z-index:2147483647;'
        "overflow:auto;margin:0;padding:2rem;background:rgba(24,24,27,.94);color:#fafafa;"
        'font:15px/1.5 ui-monospace,monospace">'
        "<p style=\"font-weight:bold;color:#fca5a5\">The site could not be rebuilt: the last good version "
        "is underneath. Fix the file and save; this page reloads by itself.</p>"
        f'<ul style="padding-left:1.2rem;white-space:pre-wrap">{items}</ul></div>'
    )


def inject(page: bytes, snippet: str) -> bytes:
    """`page` with `snippet` just before its last `</body>` (or at the end)."""
    at = page.lower().rfind(b"</body>")
    at = len(page) if at < 0 else at
    return page[:at] + snippet.encode("utf-8") + page[at:]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
