"""Accessibility, checked in a real browser: axe-core's WCAG 2.1 A/AA rules on every kind of page
of the demo archive, at phone and desktop widths, in light and dark colour schemes."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".tools/node_modules/axe-core/axe.min.js"
# One page of every kind: chooser, homes, article (with correction notice and translation; without
# a translation), tags, a tag, archives, a year, corrections, feeds, search with results, 404.
PAGES = ["", "fr/", "en/page/1/", "fr/2024/11/deploiement-ukraine/", "en/2024/12/european-defence/",
         "fr/2025/02/festival-bande-dessinee/", "fr/tags/", "fr/tags/defense/", "en/archives/", "fr/2024/",
         "fr/corrections/", "en/feeds/", "fr/search/?q=troupes&also=en", "404.html"]
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


@pytest.fixture(scope="module")
def site(demo_build: Callable[..., Path]) -> Path:
    return demo_build()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        message = f"axe-core not found at {AXE}: run `make setup` (needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def open_page(browser: Any, site: Path, serve_dir: Callable[..., str]) -> Iterator[Callable[..., Any]]:
    base = serve_dir(site)
    contexts: list[Any] = []

    def open_(path: str, width: int, scheme: str) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        if path == "":
            # The chooser's meta refresh would navigate away mid-audit: audit it without the refresh.
            page.route(base, lambda route: route.fulfill(
                response=route.fetch(), body=re.sub(r'<meta http-equiv="refresh"[^>]*>', "", route.fetch().text())))
        page.goto(base + path.replace("page/1/", ""))
        if "search" in path:
            page.wait_for_selector("[data-result], .search-result, article", timeout=10_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def violations(page: Any, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    found = page.evaluate("async (rules) => (await axe.run(document, rules)).violations", RULES)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:4]}" for v in found]


# Layout changes with the width, contrast with the colour scheme: two combinations cover both.
@pytest.mark.parametrize("width, scheme", [(390, "dark"), (1280, "light")])
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_accessibility_violations(open_page: Callable[..., Any], axe_source: str, path: str,
                                              width: int, scheme: str) -> None:
    page = open_page(path, width, scheme)
    assert violations(page, axe_source) == []


def test_the_audit_catches_a_real_violation(open_page: Callable[..., Any], axe_source: str) -> None:
    page = open_page("fr/", 1280, "light")
    page.evaluate("document.querySelector('.masthead__title').style.color = '#eeeeee'")
    assert any(v.startswith("color-contrast") for v in violations(page, axe_source))
