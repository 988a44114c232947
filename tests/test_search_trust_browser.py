"""Search a newsroom can trust (issue 17), in headless Chromium, on an archive made for the test in
which we know which article holds which word; built and served at the site root and under a
sub-path (/archive/)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from site_builder import i18n
from tests.helpers import article, build_site, make_site

pytest.importorskip("playwright", reason="Playwright for Python is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page, expect  # noqa: E402

TAGS = """
[volcans]
fr = "Volcans"
en = "Volcanoes"

[economie]
fr = "Économie"
en = "Economy"

[energie]
fr = "Énergie"
en = "Energy"
"""

FILLER = ("Le conseil municipal a voté le budget de l’année après un long débat sur les écoles, "
          "les routes et les piscines de la commune.")
BUDGETS = 24  # articles saying "budget", tagged Économie, in 2021 and 2022
PASSING = ("Le budget des transports a été adopté. Les élus ont parlé des bus, des trains, des vélos "
           "et, en passant, d’un voyage scolaire au pied d’un volcan. Ils ont aussi parlé des routes.")


def archive() -> dict[str, str]:
    files = {"content/tags.toml": TAGS}
    files["content/articles/etna.fr.md"] = article(
        "Le réveil de l’Etna", date="2019-03-05", tags="[Volcans]", translation_key="etna",
        body=("Le volcan gronde depuis lundi. Les volcanologues surveillent le volcan jour et nuit : "
              "une coulée descend du volcan vers la vallée.\n\n## Ce que disent les volcanologues\n\n"
              "Le volcan est le plus actif d’Europe, et ce volcan n’a jamais été aussi surveillé."))
    files["content/articles/etna.en.md"] = article(
        "Etna wakes up", date="2019-03-05", tags="[Volcanoes]", translation_key="etna",
        body="The volcano has been rumbling since Monday. Scientists watch the volcano day and night.")
    for n in range(3):  # newer, and naming a volcano once, in passing
        files[f"content/articles/transports-{n}.fr.md"] = article(
            f"Les transports, épisode {n + 1}", date=f"2024-0{n + 1}-10", tags="[Économie]", body=PASSING)
    files["content/articles/zoo.fr.md"] = article(
        "Une naissance au zoo", date="2022-03-12", translation_key="zoo",
        body="Un ornithorynque est né cette semaine au zoo de la ville, une première en France.")
    files["content/articles/zoo.en.md"] = article(
        "A birth at the zoo", date="2022-03-12", translation_key="zoo",
        body="A platypus was born at the city zoo this week, a first in France.")
    files["content/articles/croissance.fr.md"] = article(
        "La croissance ralentit", date="2020-06-01",
        body="L’économie française ralentit. Selon les économistes, l’économie repartira l’an prochain.")
    files["content/articles/usine.fr.md"] = article(  # its rare words come after an elision (l’, d’)
        "L’usine d’Arques redémarre", date="2023-05-02", tags="[Énergie]",
        body=("Elle produira de l’hydrogène dès l’automne, d’après l’exploitant.\n\n## Le chantier\n\n"
              "Les travaux ont duré deux ans."))
    for n in range(BUDGETS):
        files[f"content/articles/budget-{n:02}.fr.md"] = article(
            f"Conseil municipal, séance {n + 1}", date=f"{2021 + n % 2}-{n % 12 + 1:02}-0{n % 9 + 1}",
            tags="[Économie]", body=FILLER)
    return files


BUILDS = {"root": ("https://example.github.io/", "/"), "subpath": ("https://example.github.io/archive/", "/archive/")}


@pytest.fixture(scope="module", params=sorted(BUILDS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base_url, prefix = BUILDS[request.param]
    root = make_site(tmp_path_factory.mktemp(request.param), archive())
    build_site(root, base_url=base_url)
    return root / "public", prefix


@pytest.fixture
def site(built: tuple[Path, str], serve_dir: Callable[..., str]) -> str:
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


def results(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".search-result")


def titles(page: Page) -> list[str]:
    return results(page).locator(".card__title").all_inner_texts()


def status(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("[data-search-status]")


def settled(page: Page) -> None:
    """Wait until the search asked for last is shown."""
    expect(page.locator("[data-search-results][aria-busy=false]")).to_have_count(1)


def searched(page: Page, site: str, query: str, count: int | None = None) -> None:
    page.goto(f"{site}fr/search/?{query}")
    settled(page)
    if count is not None:
        expect(results(page)).to_have_count(count)


@pytest.mark.parametrize("word", ["Tombouctou", "defence", "abracadabrantesque", "desertification", "zzzq"])
def test_a_word_no_article_holds_finds_nothing_and_says_what_to_do(page: Page, site: str, word: str) -> None:
    """Pagefind alone would match these through "a", "de", "des" (its unbounded fallback)."""
    searched(page, site, f"q={word}", 0)
    expect(status(page)).to_have_text(f"Pas de résultat pour {word}.")
    help_ = page.locator("[data-search-none]")
    expect(help_.get_by_role("link", name="Tous les sujets")).to_be_visible()
    expect(help_.get_by_role("link", name="Archives")).to_be_visible()
    help_.get_by_role("button", name="Chercher aussi en anglais").click()
    expect(page.get_by_role("checkbox", name="Chercher aussi en anglais")).to_be_checked()
    expect(page).to_have_url(re.compile(f"\\?q={word}&also=en$"))
    settled(page)
    expect(results(page)).to_have_count(0)


def test_a_rare_word_finds_exactly_its_article_and_so_does_its_start_as_one_types(page: Page, site: str) -> None:
    searched(page, site, "q=ornithorynque", 1)
    assert titles(page) == ["Une naissance au zoo"]
    expect(results(page).locator("mark")).to_have_text(["ornithorynque"])
    page.locator("#search-q").fill("")
    page.locator("#search-q").press_sequentially("Ornith")
    expect(results(page)).to_have_count(1)
    assert titles(page) == ["Une naissance au zoo"]
    expect(page).to_have_url(re.compile(r"\?q=Ornith$"))


@pytest.mark.parametrize("word", ["hydrogène", "hydrogene", "Arques", "exploitant"])
def test_a_word_after_an_elision_is_found_and_shown_as_written(page: Page, site: str, word: str) -> None:
    # The typography writes l’hydrogène; Pagefind would index that as one word (it splits only at
    # ASCII punctuation), and "hydrogène" would find nothing.
    searched(page, site, f"q={word}", 1)
    assert titles(page) == ["L’usine d’Arques redémarre"]
    text = results(page).first.inner_text()
    assert "'" not in text  # every apostrophe as the page writes it
    if word != "Arques":
        expect(results(page).locator("mark")).to_have_text([re.compile(f"^(l’|d’après l’)?{word[:6]}", re.I)])


def test_a_word_only_in_the_topic_labels_links_no_section(page: Page, site: str) -> None:
    searched(page, site, "q=énergie", 1)
    assert titles(page) == ["L’usine d’Arques redémarre"]
    expect(results(page).locator(".search-result__sections a")).to_have_count(0)  # "Le chantier" says no word of it
    searched(page, site, "q=travaux", 1)
    expect(results(page).locator(".search-result__sections a")).to_have_text(["Le chantier"])


def test_an_address_past_the_last_page_shows_the_last_page(page: Page, site: str) -> None:
    searched(page, site, "q=budget&page=9")
    expect(page).to_have_url(re.compile(r"\?q=budget&page=2$"))
    expect(results(page)).to_have_count(BUDGETS + 3 - 20)
    expect(page.locator("[data-search-pages] [aria-current=page]")).to_have_text("2")


def test_a_slow_index_is_said_to_be_under_way(page: Page, site: str) -> None:
    held: list[Any] = []
    page.route("**/pagefind/fr/pagefind.js", lambda route: held.append(route))
    page.goto(f"{site}fr/search/?q=budget")
    expect(status(page)).to_have_text("Recherche en cours…")
    assert len(held) == 1
    held[0].continue_()
    expect(status(page)).to_have_text(f"{BUDGETS + 3} résultats pour budget")


def test_the_article_about_a_subject_comes_before_newer_ones_naming_it_in_passing(page: Page, site: str) -> None:
    searched(page, site, "q=volcan", 4)
    assert titles(page)[0] == "Le réveil de l’Etna"
    page.get_by_label("Ordre").select_option(label="Les plus récents")
    expect(page).to_have_url(re.compile(r"\?q=volcan&sort=date$"))
    expect(results(page).first.locator(".card__title")).to_have_text("Les transports, épisode 3")


def test_excerpts_come_from_the_text_not_the_headline_or_byline(page: Page, site: str) -> None:
    searched(page, site, "q=transports", 3)
    for excerpt in results(page).locator(".card__summary").all_inner_texts():
        assert "épisode" not in excerpt and excerpt.startswith("Le budget des transports")
    searched(page, site, "q=volcanologues", 1)
    sections = results(page).locator(".search-result__sections a")
    expect(sections).to_have_text(["Ce que disent les volcanologues"])


@pytest.mark.parametrize("typed", ["Volcans", "volcanoes", "VOLCANOES", "economie", "ÉCONOMIE"])
def test_a_topics_name_in_either_language_suggests_the_topic(page: Page, site: str, typed: str) -> None:
    searched(page, site, f"q={typed}")
    volcanoes = typed.lower().startswith("volcan")
    label, count = ("Volcans", "1 article") if volcanoes else ("Économie", f"{BUDGETS + 3} articles")
    suggestion = page.locator("[data-search-topic] a")
    expect(suggestion).to_have_text(i18n.t("fr", "search_topic_suggestion", label=label, count=count))
    assert i18n.t("fr", "search_topic_suggestion", label=label, count=count).startswith("Sujet\u00a0: ")
    expect(suggestion).to_have_attribute("href", re.compile(r"/fr/tags/(volcans|economie)/$"))


def test_a_topics_label_finds_its_articles_below_those_whose_text_says_it(page: Page, site: str) -> None:
    searched(page, site, "q=économie")
    expect(status(page)).to_have_text(f"{BUDGETS + 4} résultats pour économie")  # 27 tagged, 1 saying it
    assert titles(page)[0] == "La croissance ralentit"  # the text weighs more than a topic label


def test_a_common_word_gives_pages_of_twenty_with_real_links(page: Page, site: str) -> None:
    searched(page, site, "q=budget", 20)
    expect(status(page)).to_have_text(f"{BUDGETS + 3} résultats pour budget")
    expect(results(page).locator(".card__title a")).to_have_count(20)  # no placeholder
    following = page.get_by_role("link", name="Résultats suivants")
    expect(following).to_have_attribute("href", re.compile(r"\?q=budget&page=2$"))
    following.click()
    expect(page).to_have_url(re.compile(r"\?q=budget&page=2$"))
    expect(results(page)).to_have_count(BUDGETS + 3 - 20)
    expect(page.locator("[data-search-pages] [aria-current=page]")).to_have_text("2")
    page.go_back()
    expect(results(page)).to_have_count(20)
    page.reload()
    expect(results(page)).to_have_count(20)


def test_filters_survive_reload_back_and_a_shared_link(page: Page, site: str, browser: Any) -> None:
    searched(page, site, "q=budget", 20)
    page.get_by_label("Année").select_option("2021")
    page.get_by_label("Ordre").select_option(label="Les plus récents")
    expect(page).to_have_url(re.compile(r"\?q=budget&year=2021&sort=date$"))
    expect(results(page)).to_have_count(BUDGETS // 2)
    first = titles(page)
    page.reload()
    expect(results(page)).to_have_count(BUDGETS // 2)
    expect(page.get_by_label("Année")).to_have_value("2021")
    expect(page.get_by_label("Ordre")).to_have_value("date")
    assert titles(page) == first
    # Scrolled down, to an article and Back: the same list, where the reader left it.
    chosen = results(page).nth(8).locator(".card__title a")
    chosen.scroll_into_view_if_needed()
    page.wait_for_function("window.scrollY > 300")
    scrolled = page.evaluate("window.scrollY")
    chosen.click()
    expect(page.locator("h1")).not_to_have_text("Recherche")
    page.go_back()
    expect(results(page)).to_have_count(BUDGETS // 2)
    page.wait_for_function(f"Math.abs(window.scrollY - {scrolled}) < 2")
    expect(page.get_by_label("Année")).to_have_value("2021")
    page.go_back()  # the choice before the order: newest first no more
    expect(page).to_have_url(re.compile(r"\?q=budget&year=2021$"))
    expect(page.get_by_label("Ordre")).to_have_value("")
    expect(page.get_by_label("Année")).to_have_value("2021")
    expect(results(page)).to_have_count(BUDGETS // 2)
    page.go_forward()
    shared = browser.new_page()
    shared.goto(page.url)
    expect(shared.locator(".search-result")).to_have_count(BUDGETS // 2)
    shared.close()


def test_a_topic_or_a_year_alone_lists_its_articles(page: Page, site: str) -> None:
    searched(page, site, "tag=volcans", 1)
    expect(status(page)).to_have_text("1 article")
    assert titles(page) == ["Le réveil de l’Etna"]
    searched(page, site, "year=2024", 3)
    expect(status(page)).to_have_text("3 articles")
    page.get_by_label("Sujet").select_option("")
    page.get_by_label("Année").select_option("")
    expect(results(page)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/fr/search/$"))


def test_the_language_switch_keeps_the_search(page: Page, site: str) -> None:
    searched(page, site, "q=volcan&tag=volcans&sort=date", 1)
    switch = page.locator(".lang-switch a[hreflang=en]")
    expect(switch).to_have_attribute("href", re.compile(r"/en/search/\?q=volcan&also=fr&tag=volcanoes&sort=date$"))
    switch.click()
    expect(page.get_by_role("checkbox", name="Also search in French")).to_be_checked()
    expect(page.get_by_label("Topic")).to_have_value("volcanoes")
    expect(results(page)).to_have_count(1)  # one story, in English (the page's language)
    expect(results(page).first).to_have_attribute("lang", "en")
    translation = results(page).first.locator(".search-result__translation")
    expect(translation).to_have_text("French version: Le réveil de l’Etna")


def test_other_language_results_are_dated_in_the_pages_language(page: Page, site: str) -> None:
    searched(page, site, "q=platypus&also=en", 1)
    card = results(page).first
    expect(card).to_have_attribute("lang", "en")
    expect(card.locator("time")).to_have_text("12 mars 2022")
    expect(card.locator(".search-result__lang")).to_have_text("Anglais")


def interface_words(lang: str) -> set[str]:
    return {w.lower() for key, text in i18n.STRINGS[lang].items() if key.startswith("search")
            for w in re.findall(r"[^\W\d_]{3,}", re.sub(r"\{\w+\}", "", text))}


def shown_words(page: Page) -> list[str]:
    """Words of the page's main part a reader sees or hears (text and accessible names), outside
    results in another language."""
    return page.evaluate("""() => {
        const main = document.querySelector('main');
        const out = [];
        const walk = (node) => {
            if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
            if (node.nodeType !== Node.ELEMENT_NODE || node.hidden) return;
            if (node.lang && node.lang !== document.documentElement.lang && node.closest('.search-result')) return;
            if (node.matches('script, noscript')) return;
            for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
                if (node.getAttribute(name)) out.push(node.getAttribute(name));
            }
            node.childNodes.forEach(walk);
        };
        walk(main);
        return out.join(' ').match(/[^\\W\\d_]{3,}/gu) ?? [];
    }""")


@pytest.mark.parametrize(("lang", "other", "queries"), [
    ("fr", "en", ["q=budget", "q=zzzq", "q=volcan&also=en", "tag=volcans"]),
    ("en", "fr", ["q=volcano", "q=zzzq", "q=volcano&also=fr", "tag=volcanoes"]),
])
def test_no_word_of_the_other_language_on_the_search_page(page: Page, site: str, lang: str, other: str,
                                                           queries: list[str]) -> None:
    foreign = interface_words(other) - interface_words(lang)
    assert {"results", "clear", "topic", "newest"} <= interface_words("en") and "effacer" in interface_words("fr")
    for query in queries:
        page.goto(f"{site}{lang}/search/?{query}")
        settled(page)
        seen = {w.lower() for w in shown_words(page)}
        assert seen & foreign == set(), (query, sorted(seen & foreign))


def test_without_an_index_the_page_says_search_is_unavailable(page: Page, tmp_path: Path,
                                                              serve_dir: Callable[..., str]) -> None:
    root = make_site(tmp_path, {"content/articles/a.fr.md": article("Seul", body="Un mot.")})
    build_site(root, search=False)
    page.goto(f"{serve_dir(root / 'public')}fr/search/?q=mot")
    expect(page.locator("[data-search-unavailable]")).to_be_visible()
    expect(page.locator("[data-search-ui]")).to_be_hidden()
