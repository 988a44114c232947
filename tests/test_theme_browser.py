"""The theme as a reader sees it in Chromium: layout checks that HTML validators cannot make."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = "fr/2024/11/deploiement-ukraine/"


@pytest.fixture(scope="module")
def site(demo_build: Callable[..., Path]) -> Path:
    return demo_build()


@pytest.mark.parametrize("width", [390, 1280])
def test_article_page_has_no_blank_band_before_the_footer(browser: Any, site: Path,
                                                           serve_dir: Callable[..., str], width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(serve_dir(site) + ARTICLE)
    gap = page.evaluate("""() => document.querySelector('.site-footer').getBoundingClientRect().top
                                 - document.querySelector('.feedback').getBoundingClientRect().bottom""")
    page.close()
    assert 0 < gap < 120, f"{gap}px between the feedback block and the site footer"


@pytest.mark.parametrize("path", ["fr/", ARTICLE, "fr/2024/", "en/tags/"])
def test_nothing_overflows_a_phone_screen(browser: Any, site: Path, serve_dir: Callable[..., str], path: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(serve_dir(site) + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert width <= 390, f"/{path} is {width}px wide on a 390px screen"
