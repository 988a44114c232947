"""Screenshot pages of a built site at phone and desktop widths with Debian's Chromium.

Usage: python tools/screenshots.py PUBLIC_DIR OUT_DIR PATH [PATH ...]
Build with `--base-url http://127.0.0.1/` first so that PATH is e.g. /fr/. Used to look at the theme."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    public, out, paths = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
            page = browser.new_page(viewport={"width": width, "height": height})
            for path in paths:
                page.goto(f"http://127.0.0.1:{port}{path}")
                slug = path.strip("/").replace("/", "_") or "root"
                page.screenshot(path=str(out / f"{slug}-{name}.png"), full_page=True)
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
