"""The hostile title, tag, author and summary in a real browser: the article page and the search
results (Pagefind's metadata, drawn by its UI) show the payload as text and never run it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import build_site, make_site
from tests.scenarios import PAYLOADS, hostile_site

pytest.importorskip("playwright", reason="Playwright for Python is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect  # noqa: E402

WORD = "zanzibarite"
"""A word only the hostile article's body holds, to find it by search."""


def test_payload_in_metadata_is_shown_as_text_and_never_run(tmp_path: Path, browser: Any,
                                                            serve_dir: Callable[..., str]) -> None:
    project = hostile_site(tmp_path)
    text = (project / "content/articles/2024/a.fr.md").read_text().replace("Du texte.", f"Du texte {WORD}.")
    make_site(project, {"content/articles/2024/a.fr.md": text})
    build_site(project, base_url="https://example.org/")
    site = serve_dir(project / "public")
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{site}fr/2024/11/a/")
        expect(page.locator("h1")).to_have_text(PAYLOADS[1])  # the French title, in French typography
        page.goto(f"{site}fr/search/?q={WORD}")
        result = page.locator(".search-result .card__title")
        expect(result).to_have_count(1)
        expect(result).to_have_text(PAYLOADS[1])
        assert page.locator("img[src='x']").count() == 0
        page.wait_for_timeout(300)  # time for an injected handler to fire, if there were one
    finally:
        context.close()
    assert dialogs == []
