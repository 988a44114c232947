"""How long a writer waits between saving an article and seeing it in the open browser tab.

Generates an archive of N articles (half French, half English, paired as translations), starts
`site-builder serve` on it as a subprocess (as a writer would), opens one article in headless
Chromium, then edits that article several times. For each save it prints:
  - event: save → the reload event arrives on the preview's event stream (a client listening here);
  - visible: save → the new sentence is on the page in the browser (after its automatic reload);
  - build: the rebuild time the server reports.
Figures only; nothing is asserted. Target (issue 4): visible under 1 s on 1,000 articles.

Usage: python benchmarks/serve_latency.py [--articles 1000] [--edits 5] [--no-browser]
"""

from __future__ import annotations

import argparse
import http.client
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TAGS = ["Ukraine", "Défense", "Europe", "Climat", "Énergie", "Santé", "Économie", "Culture", "Sport", "Justice",
        "Éducation", "Migrations", "Diplomatie", "Agriculture", "Numérique", "Transports", "Logement", "Sciences"]
PARAGRAPH = ("Les ministres se sont réunis mardi pour examiner les propositions de la commission, qui "
             "recommande un calendrier plus serré et des moyens supplémentaires pour les régions concernées. "
             "Plusieurs délégations ont demandé des garanties sur le financement et sur le suivi des mesures.")
WAIT = 60.0


def generate(root: Path, count: int) -> Path:
    """Write `count` articles (pairs fr/en sharing a translation_key) and a tag registry; return the one to edit."""
    articles = root / "content" / "articles"
    for i in range(count):
        pair, lang = divmod(i, 2)
        code = ("fr", "en")[lang]
        year, month = 2015 + pair % 10, 1 + pair % 12
        folder = articles / f"{year}" / f"{month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        tags = ", ".join(TAGS[(pair + k) % len(TAGS)] for k in range(3))
        body = "\n\n".join(f"{PARAGRAPH} ({k})" for k in range(8))
        (folder / f"article-{pair:04d}.{code}.md").write_text(
            f"---\ntitle: \"Article {pair} ({code})\"\ndate: {year}-{month:02d}-{1 + pair % 28:02d}\n"
            f"tags: [{tags}]\nsummary: \"Résumé de l'article {pair}.\"\ntranslation_key: a{pair}\n---\n\n"
            f"## Contexte\n\n{body}\n", encoding="utf-8")
    return articles / "2015" / "01" / "article-0000.fr.md"


class ServerLog:
    """The server's stderr, line by line, with the URL it serves and each rebuild time."""

    def __init__(self, process: subprocess.Popen[str]):
        self.lines: queue.Queue[str] = queue.Queue()
        self.builds: queue.Queue[float] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.lines.put(line)
            found = re.search(r"pages in ([0-9.]+) s", line)
            if found:
                self.builds.put(float(found.group(1)))

    def wait_for(self, prefix: str) -> str:
        while True:
            line = self.lines.get(timeout=600)
            sys.stderr.write("  server: " + line)
            if line.startswith(prefix):
                return line


class EventClock:
    """Listens to the preview's event stream; records when each version announcement arrives."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)
        self.conn.request("GET", "/__livereload")
        self.response = self.conn.getresponse()
        self.arrivals: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.response.fp:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: ") and line[6:].isdigit():
                self.arrivals.put((time.perf_counter(), line[6:]))

    def next(self) -> tuple[float, str]:
        return self.arrivals.get(timeout=WAIT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="measure the event only")
    parser.add_argument("--no-search", action="store_true", help="serve without the search index")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp:
        project = Path(tmp)
        started = time.perf_counter()
        target = generate(project, args.articles)
        print(f"generated {args.articles} articles in {time.perf_counter() - started:.1f} s")
        command = [sys.executable, "-m", "site_builder", "serve", str(project), "--port", "0",
                   *(["--no-search"] if args.no_search else [])]
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        try:
            log = ServerLog(process)
            url = log.wait_for("Serving").split(" at ")[1].split()[0]
            first_build = log.builds.get(timeout=600)
            print(f"first build: {first_build:.2f} s; serving {url}")
            measure(url, target, args, log)
        finally:
            process.terminate()
            process.wait(timeout=30)


def measure(url: str, target: Path, args: argparse.Namespace, log: ServerLog) -> None:
    clock = EventClock(url)
    clock.next()  # the current version, sent on connection
    page = browser = playwright = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "fr/2015/01/article-0000/")
    original = target.read_text(encoding="utf-8")
    events, visible, builds = [], [], []
    try:
        for number in range(args.edits):
            sentence = f"Correction numéro {number} apportée à {time.time():.0f}."
            saved = time.perf_counter()
            target.write_text(original.replace("## Contexte", f"{sentence}\n\n## Contexte"), encoding="utf-8")
            arrived, _ = clock.next()
            events.append(arrived - saved)
            if page is not None:
                page.get_by_text(sentence).wait_for(timeout=WAIT * 1000)
                visible.append(time.perf_counter() - saved)
            builds.append(log.builds.get(timeout=WAIT))
            shown = f"  visible {visible[-1] * 1000:6.0f} ms" if visible else ""
            print(f"edit {number + 1}: event {events[-1] * 1000:6.0f} ms{shown}  (rebuild {builds[-1]:.2f} s)")
    finally:
        target.write_text(original, encoding="utf-8")
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
    print(f"median over {args.edits} edits on {args.articles} articles: save→event "
          f"{statistics.median(events) * 1000:.0f} ms"
          + (f", save→visible {statistics.median(visible) * 1000:.0f} ms" if visible else "")
          + f", rebuild {statistics.median(builds):.2f} s")


if __name__ == "__main__":
    main()
