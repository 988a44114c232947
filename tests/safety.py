"""What hostile content must never turn into in a built page: event handlers, script URLs, frames,
or a script carrying a payload. Shared by the bad-input corpus, the escaping and the property tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Every hostile payload in the tests calls one of these; the theme's own scripts never do.
PAYLOAD_MARKERS = ("alert(", "msgbox(")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "background", "cite", "data",
                  "xlink:href", "srcset", "longdesc", "manifest", "ping"}
SCRIPT_TYPES = {"text/javascript", "application/javascript", "module", "text/ecmascript"}
NEVER_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme (`java\tscript:`).
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NEVER_ELEMENTS:
            self.findings.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""  # html.parser has already decoded character references
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}=…> event handler")
            elif name == "srcdoc":
                self.findings.append(f"<{tag} srcdoc> attribute")
            elif name in URL_ATTRIBUTES and _unsafe_url(value):
                self.findings.append(f"<{tag} {name}={value!r}> unsafe URL")
            elif name == "style" and ("javascript:" in value.lower() or "expression(" in value.lower()):
                self.findings.append(f"<{tag} style={value!r}> script in a style")
            elif name == "content" and any(m in value for m in PAYLOAD_MARKERS) and "url=" in value.lower():
                self.findings.append(f"<{tag} content={value!r}> refresh to a payload")
        if tag == "script":
            # Data blocks (JSON-LD) are never run: a payload there is text, provided it stays inside
            # (a `</script>` in it would end the block, and what follows is checked as a script).
            self._in_script = (dict(attrs).get("type") or "text/javascript").lower() in SCRIPT_TYPES
            src = dict(attrs).get("src") or ""
            if any(m in src for m in PAYLOAD_MARKERS) or src.startswith("//") or "://" in src:
                self.findings.append(f"<script src={src!r}> from another site")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and any(m in data for m in PAYLOAD_MARKERS):
            self.findings.append(f"script holding a payload: {data[:60]!r}")


def _unsafe_url(value: str) -> bool:
    first = value.split(",")[0] if value.lower().lstrip().startswith("data:") else value
    normal = IGNORED_IN_SCHEME.sub("", first).lower()
    return normal.startswith(UNSAFE_SCHEMES) and not normal.startswith("data:image/")


def unsafe_markup(html: str) -> list[str]:
    """Every construct in `html` that could run a script a writer put in the content."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.findings


def unsafe_markup_in(folder: Path) -> dict[str, list[str]]:
    """`unsafe_markup` of every HTML page under `folder`, for the pages that have any."""
    found = {}
    for page in sorted(folder.rglob("*.html")):
        findings = unsafe_markup(page.read_text(encoding="utf-8"))
        if findings:
            found[page.relative_to(folder).as_posix()] = findings
    return found
