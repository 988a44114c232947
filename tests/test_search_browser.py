"""Search in a real browser: the demo archive built with its Pagefind index, served on 127.0.0.1,
driven in headless Chromium, at the site root and under a sub-path (/archive/)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import DEMO_SUB_PATH

pytest.importorskip("playwright", reason="Playwright for Python is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page, expect  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED_FR = "La France et le Royaume-Uni envisagent un déploiement de troupes en Ukraine"
SEED_EN = "France and the United Kingdom consider deploying troops to Ukraine"
SEED_FR_PATH = "fr/2024/11/deploiement-ukraine/"
SEED_EN_PATH = "en/2024/11/ukraine-deployment/"
DEFENCE_FR = "Défense européenne\u00a0: les ministres cherchent un financement commun"  # French typography

BUILDS = {"root": (None, "/"), "subpath": (DEMO_SUB_PATH, "/archive/")}


@pytest.fixture(scope="module", params=sorted(BUILDS))
def built(request: pytest.FixtureRequest, demo_build: Callable[..., Path]) -> tuple[Path, str]:
    """The repository's demo archive with its search index, at the root and under a sub-path."""
    base_url, prefix = BUILDS[request.param]
    return demo_build(base_url), prefix


@pytest.fixture
def site(built: tuple[Path, str], serve_dir: Callable[..., str]) -> str:
    """Base URL of the built demo, served on 127.0.0.1 under its own base path."""
    out, prefix = built
    return serve_dir(out, prefix)


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def search(page: Page, text: str) -> None:
    """Type `text` into the search page's own box."""
    page.locator("#search-q").fill(text)


def status(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("[data-search-status]")


def results(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".search-result")


def result_titles(page: Page) -> list[str]:
    return results(page).locator(".card__title").all_inner_texts()


def result_times(page: Page) -> list[str]:
    return [t.get_attribute("datetime") or "" for t in results(page).locator("time").all()]


def wait_for_results(page: Page, count: int) -> None:
    expect(results(page)).to_have_count(count)
    expect(results(page).locator(".card__title a")).to_have_count(count)  # every card drawn, not a placeholder


def test_a_word_from_the_seed_article_finds_it_on_the_french_search_page(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/")
    search(page, "commémorations")
    wait_for_results(page, 1)
    card = results(page).first
    expect(card.locator(".search-result__lang")).to_have_text("Français")
    expect(card).to_contain_text("27 novembre 2024")
    expect(card.locator("mark").first).to_have_text(re.compile("commémorations", re.I))
    card.get_by_role("link", name=SEED_FR).click()
    expect(page).to_have_url(f"{site}{SEED_FR_PATH}")
    expect(page.locator("h1")).to_have_text(SEED_FR)


def test_words_typed_before_the_index_has_loaded_still_find_the_article(page: Page, site: str) -> None:
    # On a slow connection the reader types while the page is still loading Pagefind: the warm-up
    # that ends afterwards must not replace the reader's search with an empty one.
    held: list[Any] = []
    page.route("**/pagefind/fr/pagefind.js", lambda route: held.append(route))
    page.goto(f"{site}fr/search/")
    search(page, "commémorations")
    expect(page).to_have_url(re.compile(r"\?q=comm"))  # the typing pause is over: the search has begun
    assert len(held) == 1, "the bundle was not requested while the reader typed"
    held[0].continue_()
    wait_for_results(page, 1)
    expect(status(page)).to_have_text("1 résultat pour commémorations")


def test_the_same_search_in_english_finds_the_translation(page: Page, site: str) -> None:
    page.goto(f"{site}en/search/")
    expect(page.get_by_role("searchbox", name="Search the archive").last).to_be_visible()
    search(page, "commemorations")
    wait_for_results(page, 1)
    card = results(page).first
    expect(card.locator(".search-result__lang")).to_have_text("English")
    card.get_by_role("link", name=SEED_EN).click()
    expect(page).to_have_url(f"{site}{SEED_EN_PATH}")
    expect(page.locator("h1")).to_have_text(SEED_EN)


def test_the_search_page_speaks_the_pages_language_and_links_into_sections(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/?q=europe")
    wait_for_results(page, 2)
    expect(status(page)).to_have_text("2 résultats pour europe")
    # A heading that matched links into its section of the article.
    section = page.locator(".search-result__sections a", has_text="Un emprunt commun sur la table")
    expect(section).to_have_attribute("href", re.compile(r"/fr/2024/12/defense-europeenne/#[\w-]+$"))
    expect(page.get_by_label("Ordre")).to_have_value("")  # relevance, the default
    expect(page.get_by_label("Chercher aussi en anglais")).to_be_visible()
    section.click()
    heading = page.locator("h2", has_text="Un emprunt commun sur la table")
    expect(heading).to_be_in_viewport()
    assert page.url.endswith("#" + (heading.get_attribute("id") or "no id"))


def test_the_tag_filter_narrows_the_results(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/?q=europe")
    wait_for_results(page, 2)
    assert set(result_titles(page)) == {SEED_FR, DEFENCE_FR}
    page.get_by_label("Sujet").select_option(label="Royaume-Uni (1)")
    wait_for_results(page, 1)
    assert result_titles(page) == [SEED_FR]
    expect(page).to_have_url(re.compile(r"\?q=europe&tag=royaume-uni$"))


def test_the_year_filter_narrows_the_results(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/?q=les")
    wait_for_results(page, 5)
    page.get_by_label("Année").select_option("2024")
    wait_for_results(page, 2)
    assert all(t.startswith("2024-") for t in result_times(page))


def test_results_come_newest_first_when_asked(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/?q=les")
    wait_for_results(page, 5)
    page.get_by_label("Ordre").select_option(label="Les plus récents")
    expect(page).to_have_url(re.compile(r"\?q=les&sort=date$"))
    wait_for_results(page, 5)
    times = result_times(page)
    assert len(times) == 5 and times == sorted(times, reverse=True)
    assert result_titles(page)[0].startswith("Angoulême")  # 1 February 2025, the newest French article


def test_the_header_search_box_lands_on_the_search_page_with_results(page: Page, site: str) -> None:
    page.goto(f"{site}fr/")
    box = page.get_by_role("searchbox", name="Rechercher dans les archives")
    box.fill("commémorations")
    box.press("Enter")
    expect(page).to_have_url(f"{site}fr/search/?q=comm%C3%A9morations")
    wait_for_results(page, 1)
    assert result_titles(page) == [SEED_FR]
    expect(page.locator("#search-q")).to_have_value("commémorations")


def test_the_cross_language_control_finds_the_other_languages_article(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/?q=withdrawing")  # the English seed says "withdrawal"; no French text says it
    expect(status(page)).to_have_text("Pas de résultat pour withdrawing.")
    expect(results(page)).to_have_count(0)
    page.get_by_role("checkbox", name="Chercher aussi en anglais").check()
    wait_for_results(page, 1)
    expect(page).to_have_url(re.compile(r"\?q=withdrawing&also=en$"))
    card = results(page).first
    expect(card).to_have_attribute("lang", "en")
    expect(card.locator(".search-result__lang")).to_have_text("Anglais")
    expect(card.get_by_role("link", name=SEED_EN)).to_have_attribute("href", re.compile(f"{SEED_EN_PATH}$"))
    expect(card.locator(".search-result__translation")).to_have_text(f"Version française : {SEED_FR}")
    card.locator(".search-result__translation a").click()
    expect(page).to_have_url(f"{site}{SEED_FR_PATH}")


def test_both_languages_together_list_each_story_once_and_filter_by_the_pages_labels(page: Page, site: str) -> None:
    page.goto(f"{site}fr/search/?q=europe&also=en&sort=date")
    wait_for_results(page, 2)  # two stories, each in French and in English: once each, in French
    expect(page.get_by_role("checkbox", name="Chercher aussi en anglais")).to_be_checked()
    assert results(page).evaluate_all("cards => cards.map(c => c.lang)") == ["fr", "fr"]
    assert result_titles(page) == [DEFENCE_FR, SEED_FR]
    expect(results(page).first.locator(".search-result__translation")).to_contain_text("Version anglaise")
    page.goto(f"{site}fr/search/?q=london&also=en")  # in the English text only: the English version
    wait_for_results(page, 1)
    assert result_titles(page) == [SEED_EN]
    # The English seed is filed under the French label too, so one French filter narrows both languages.
    page.get_by_label("Sujet").select_option(label="Royaume-Uni (1)")
    wait_for_results(page, 1)
    assert result_titles(page) == [SEED_EN]


def test_the_english_page_also_searches_french(page: Page, site: str) -> None:
    page.goto(f"{site}en/search/?q=troupe")  # the French seed says "troupes"; no English text says it
    expect(status(page)).to_have_text("No results for troupe.")
    page.get_by_role("checkbox", name="Also search in French").check()
    wait_for_results(page, 1)
    expect(results(page).first).to_have_attribute("lang", "fr")
    expect(results(page).first.locator(".search-result__lang")).to_have_text("French")
    expect(results(page).first.locator(".search-result__translation")).to_have_text(f"English version: {SEED_EN}")
