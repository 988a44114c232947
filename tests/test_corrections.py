"""Corrections: validated front matter, dated notices on the article, a corrections page and feed
per language, and the article's modification time following the latest correction."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from site_builder.errors import SiteError
from tests.helpers import article, build_site, make_site
from tests.site_checks import parse_page

A = "content/articles/2024/a.fr.md"
B = "content/articles/2024/b.fr.md"
CORRECTIONS = """
  - date: 2024-12-02
    type: clarification
    text: "Le montant cité est hors taxes."
  - date: 2024-11-28T09:00:00
    text: "Le ministre s'appelle Jean, pas Jacques."
"""


def with_corrections(items: str, **fields: str) -> str:
    return article(corrections=items, **fields)


@pytest.mark.parametrize("items, line, fragment", [
    ("oui", 4, "`corrections` must be a list"),
    ("\n  - 2024-12-01", 5, "correction 1 must be a mapping with `date:` and `text:`"),
    ("\n  - date: 2024-12-01\n    text: ok\n  - date: 2024-12-01\n    txt: oops", 7,
     "correction 2: unknown key `txt` (did you mean `text`?)"),
    ("\n  - date: 2024-12-01\n    text: ok\n    type: erratum", 5,
     "correction 1: `type` is `erratum`: use `correction` or `clarification`"),
    ("\n  - text: sans date", 5, "correction 1: `date` is missing"),
    ("\n  - date: 2024-12-01", 5, "correction 1: `text` is missing"),
    ("\n  - date: 2024-13-01\n    text: x", 5, "correction 1: `date` is `2024-13-01`"),
    ("\n  - date: 2024-11-01\n    text: x", 5, "correction 1: `date` (2024-11-01) is before the article's `date`"),
])
def test_bad_correction_names_the_file_line_and_item(tmp_path: Path, items: str, line: int, fragment: str) -> None:
    make_site(tmp_path, {A: with_corrections(items)})
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{A}:{line}: ") and fragment in m for m in messages), messages


def test_article_shows_dated_notices_oldest_first(tmp_path: Path) -> None:
    make_site(tmp_path, {A: with_corrections(CORRECTIONS)})
    build_site(tmp_path)
    html = (tmp_path / "public/fr/2024/11/a/index.html").read_text()
    first, second = html.index('id="correction-1"'), html.index('id="correction-2"')
    assert first < second
    assert "Le ministre s’appelle Jean, pas Jacques." in html[first:second]  # (typographic apostrophe)
    assert '<time datetime="2024-11-28T09:00:00+01:00">28 novembre 2024</time>' in html[first:second]
    assert "<strong>Précision</strong>" in html[second:]


def test_feedback_block_links_to_the_corrections_page(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(), "content/articles/2024/a.en.md": article("Title")})
    build_site(tmp_path)
    for lang in ("fr", "en"):
        html = (tmp_path / f"public/{lang}/2024/11/a/index.html").read_text()
        feedback = html[html.index('class="feedback"'):]
        assert f'href="/{lang}/corrections/"' in feedback


def test_modified_time_follows_the_latest_correction(tmp_path: Path) -> None:
    make_site(tmp_path, {A: with_corrections(CORRECTIONS, updated="2024-11-30")})
    build_site(tmp_path)
    page = parse_page((tmp_path / "public/fr/2024/11/a/index.html").read_text())
    meta = {m.get("property"): m.get("content") for m in page.meta}
    assert meta["article:modified_time"] == "2024-12-02T00:00:00+01:00"
    [(_, script)] = [s for s in page.scripts if s[0].get("type") == "application/ld+json"]
    data = json.loads(script)
    assert data["dateModified"] == "2024-12-02T00:00:00+01:00"
    assert [c["@type"] for c in data["correction"]] == ["CorrectionComment", "CorrectionComment"]
    assert data["correction"][0]["text"] == "Le montant cité est hors taxes."
    assert data["correction"][0]["url"].endswith("/fr/2024/11/a/#correction-2")
    feed = feedparser.parse((tmp_path / "public/fr/feed.xml").read_bytes())
    assert feed.entries[0].updated == "2024-12-02T00:00:00+01:00"


def test_corrections_page_lists_every_correction_newest_first(tmp_path: Path) -> None:
    make_site(tmp_path, {
        A: with_corrections(CORRECTIONS, title="Article A"),
        B: with_corrections("\n  - date: 2024-11-30\n    text: Autre erreur.", title="Article B", date="2024-11-29"),
        "content/articles/2024/c.fr.md": article("Sans correction"),
    })
    build_site(tmp_path)
    html = (tmp_path / "public/fr/corrections/index.html").read_text()
    order = [html.index(text) for text in ("hors taxes", "Autre erreur", "pas Jacques")]
    assert order == sorted(order)
    assert 'href="/fr/2024/11/a/#correction-2"' in html and 'href="/fr/2024/11/b/#correction-1"' in html
    assert "Sans correction" not in html
    assert (tmp_path / "public/en/corrections/index.html").read_text().count("No corrections yet.") == 1


def test_corrections_feed_has_one_entry_per_correction(tmp_path: Path) -> None:
    make_site(tmp_path, {A: with_corrections(CORRECTIONS, title="Article A")})
    build_site(tmp_path)
    feed = feedparser.parse((tmp_path / "public/fr/corrections/feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.language == "fr"
    # French spacing: a no-break space before the colon.
    assert [e.title for e in feed.entries] == ["Précision\u00a0: Article A", "Correction\u00a0: Article A"]
    assert [e.link for e in feed.entries] == ["http://localhost:8000/fr/2024/11/a/#correction-2",
                                              "http://localhost:8000/fr/2024/11/a/#correction-1"]
    assert feed.feed.updated == "2024-12-02T00:00:00+01:00"
    corrections_page = (tmp_path / "public/fr/corrections/index.html").read_text()
    assert 'type="application/atom+xml" title="Le Veilleur · Corrections" href="/fr/corrections/feed.xml"' \
        in corrections_page
