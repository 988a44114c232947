"""Search in the preview follows edits without Pagefind reading the whole site again: the edited
page is indexed into a small extra bundle that the search page merges (preview/search_delta.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from site_builder.output import pagefind
from site_builder.preview.serve import Preview, ServeOptions
from tests.helpers import article, make_site

pytest.importorskip("playwright", reason="Playwright for Python is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page, expect  # noqa: E402

A = "content/articles/2024/11/a.fr.md"
OTHERS = {f"content/articles/2024/11/b{n}.fr.md": article(f"Autre {n}", body="Un autre texte.") for n in range(5)}


@pytest.fixture
def preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Preview, list[list[str]]]]:
    """A running preview, and the pages Pagefind was given at each of its runs."""
    runs: list[list[str]] = []
    real = pagefind.run_pagefind

    def counted(stage: Path, lang: str, bundles: Path | None = None, pages: Collection[str] | None = None,
                meta: str = "") -> None:
        given = stage.glob(f"{lang}/*/*/*/index.html") if pages is None else \
            (stage / page for page in pages if page.startswith(f"{lang}/"))
        runs.append(sorted(p.relative_to(stage).as_posix() for p in given))
        real(stage, lang, bundles, pages, meta)

    monkeypatch.setattr(pagefind, "run_pagefind", counted)
    project = make_site(tmp_path, {A: article("Titre", body="Premier jet."), **OTHERS})
    running = Preview(ServeOptions(project=project, port=0))
    running.start()
    yield running, runs
    running.stop()


def shown(page: Page, url: str) -> list[str]:
    page.goto(url)
    expect(page.locator("[data-search-results][aria-busy=false]")).to_have_count(1)
    return page.locator(".search-result .card__title").all_inner_texts()


def test_search_follows_an_edit_through_the_extra_bundle(browser: Any,
                                                         preview: tuple[Preview, list[list[str]]]) -> None:
    running, runs = preview
    page = browser.new_page()
    try:
        assert shown(page, f"{running.url}fr/search/?q=premier") == ["Titre"]
        assert len(runs) == 1 and len(runs[0]) == 6  # the full index, made once
        (running.options.project / A).write_text(article("Titre revu", body="Un ornithorynque."), encoding="utf-8")
        page.wait_for_function("fetch('/fr/2024/11/a/').then(r => r.text()).then(t => t.includes('ornithorynque'))",
                               timeout=30_000)
        assert shown(page, f"{running.url}fr/search/?q=ornithorynque") == ["Titre revu"]
        assert shown(page, f"{running.url}fr/search/?q=premier") == []  # its old copy is dropped
        expect(page.locator("[data-search-status]")).to_have_text("Pas de résultat pour premier.")
        assert sorted(shown(page, f"{running.url}fr/search/?q=autre")) == [f"Autre {n}" for n in range(5)]
        assert runs[1:] == [["fr/2024/11/a/index.html"]]  # Pagefind read the edited page only
    finally:
        page.close()
