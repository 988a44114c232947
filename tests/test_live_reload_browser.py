"""Live reload in a real browser: edit the article, the open page shows the new text by itself;
break it, the overlay appears; fix it, the page comes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.preview.serve import OVERLAY_ID, Preview, ServeOptions
from tests.helpers import article, make_site

A = "content/articles/2024/11/a.fr.md"
WAIT_MS = 30_000


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    running = Preview(ServeOptions(project=make_site(tmp_path, {A: article("Titre", body="Premier jet.")}), port=0))
    running.start()
    yield running
    running.stop()


def test_an_open_page_follows_edits_errors_and_fixes(browser, preview: Preview) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{preview.url}fr/2024/11/a/")
        page.get_by_text("Premier jet.").wait_for(timeout=WAIT_MS)
        page.evaluate("window.__same_document = true")

        (preview.options.project / A).write_text(article("Titre", body="Texte corrigé."), encoding="utf-8")
        page.get_by_text("Texte corrigé.").wait_for(timeout=WAIT_MS)
        assert page.evaluate("window.__same_document === undefined")  # the page was reloaded

        (preview.options.project / A).write_text("---\ntitle: Titre\ndate: <i>demain</i>\n---\n", encoding="utf-8")
        overlay = page.locator(f"#{OVERLAY_ID}")
        overlay.wait_for(timeout=WAIT_MS)
        assert f"{A}:3: `date` is `<i>demain</i>`, not a date" in overlay.inner_text()
        assert page.locator(f"#{OVERLAY_ID} i").count() == 0  # shown as text, never as markup
        assert page.get_by_text("Texte corrigé.").count() == 1  # the last good page stays under it

        (preview.options.project / A).write_text(article("Titre", body="Texte réparé."), encoding="utf-8")
        page.get_by_text("Texte réparé.").wait_for(timeout=WAIT_MS)
        assert page.locator(f"#{OVERLAY_ID}").count() == 0
    finally:
        page.close()


def test_search_in_the_preview_follows_edits(browser, preview: Preview) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]

    def found(word: str) -> list[str]:
        page.goto(f"{preview.url}fr/search/?q={word}")
        page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached", timeout=WAIT_MS)
        return page.locator(".search-result .card__title a").evaluate_all("links => links.map(a => a.pathname)")

    try:
        assert found("premier") == ["/fr/2024/11/a/"]
        (preview.options.project / A).write_text(article("Titre", body="Un ornithorynque."), encoding="utf-8")
        page.wait_for_function("fetch('/fr/2024/11/a/').then(r => r.text()).then(t => t.includes('ornithorynque'))",
                               timeout=WAIT_MS)
        # The index is refreshed right after the reload; a request for it waits until it is ready.
        assert found("ornithorynque") == ["/fr/2024/11/a/"]
        assert found("premier") == []
    finally:
        page.close()
