"""`benchmarks/reference.py`, the benchmark's Hugo side: the corpus laid out for Hugo builds with
Hugo, and Pagefind indexes what Hugo built, with the arguments the benchmark times them with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import corpus  # noqa: E402
import reference  # noqa: E402


@pytest.fixture(scope="module")
def hugo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hugo") / "site"
    reference.generate(folder, 3)
    subprocess.run(reference.hugo_command(folder), check=True, capture_output=True, timeout=120)
    return folder


def test_the_articles_are_hugo_content_with_hugo_front_matter(hugo_site: Path) -> None:
    planned = corpus.plan(3)
    text = (hugo_site / "content/en/posts" / f"{planned[1].stems['en']}.md").read_text(encoding="utf-8")
    header = text.split("\n---\n", 1)[0]
    assert f"translationKey: {planned[1].key}" in header and "translation_key" not in header
    assert "\ntitle: " in header and "\ndate: " in header and "\ntags: [" in header
    # the same body as ours
    assert text.split("\n---\n", 1)[1] == corpus.article_text(planned[1], "en", planned).split("\n---\n", 1)[1]


def test_hugo_builds_every_article_in_both_languages(hugo_site: Path) -> None:
    for lang in ("fr", "en"):
        pages = sorted((hugo_site / "public" / lang / "posts").glob("article-*/index.html"))
        assert len(pages) == 3
        html = pages[0].read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html and "<article data-pagefind-body>" in html
        assert 'hreflang="' in html  # linked to its translation by translationKey


def test_pagefind_indexes_the_article_pages_of_each_language(hugo_site: Path) -> None:
    subprocess.run(reference.pagefind_command(hugo_site), check=True, capture_output=True, timeout=120)
    entry = json.loads((hugo_site / "public/pagefind/pagefind-entry.json").read_text())
    assert {lang: info["page_count"] for lang, info in entry["languages"].items()} == {"fr": 3, "en": 3}


def test_generating_again_keeps_a_complete_project(hugo_site: Path) -> None:
    before = sorted(p.name for p in (hugo_site / "content/fr/posts").iterdir())
    reference.generate(hugo_site, 3)  # reused as it is (`public/` stays)
    assert sorted(p.name for p in (hugo_site / "content/fr/posts").iterdir()) == before
    assert (hugo_site / "public").is_dir()
