"""Screenshot pages of a built site at phone and desktop widths with Debian's Chromium.

Usage: python tools/screenshots.py PUBLIC_DIR OUT_DIR PATH [PATH ...] [--schemes light,dark] [--pdf]
Build with `--base-url http://127.0.0.1/` first so that PATH is e.g. /fr/. `--pdf` also prints each
page to A4 PDF as a browser in the dark scheme would (turn it into images with `pdftoppm -png`).
The chooser (/) is taken without its meta refresh. Used to look at the theme."""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import threading
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = ((390, 844, "phone"), (1280, 900, "desktop"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("public", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--schemes", default="light", help="comma-separated: light,dark")
    parser.add_argument("--pdf", action="store_true", help="also print each page to PDF (dark scheme)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(args.public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def without_refresh(route: Route) -> None:
        route.fulfill(response=route.fetch(), body=re.sub(r'<meta http-equiv="refresh"[^>]*>', "",
                                                          route.fetch().text()))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for scheme in args.schemes.split(","):
            for width, height, name in SIZES:
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                page = context.new_page()
                page.route(base + "/", without_refresh)
                for path in args.paths:
                    page.goto(base + path)
                    page.evaluate("document.fonts.ready")
                    page.screenshot(path=str(args.out / f"{slug(path)}-{name}-{scheme}.png"), full_page=True)
                context.close()
        if args.pdf:
            context = browser.new_context(color_scheme="dark")
            page = context.new_page()
            page.route(base + "/", without_refresh)
            for path in args.paths:
                page.goto(base + path)
                page.evaluate("document.fonts.ready")
                page.pdf(path=str(args.out / f"{slug(path)}.pdf"), format="A4")
            context.close()
        browser.close()
    server.shutdown()


def slug(path: str) -> str:
    return re.sub(r"[^\w.-]+", "_", path.strip("/")) or "root"


if __name__ == "__main__":
    main()
