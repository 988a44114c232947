"""The theme as a newsroom ships it, read in Chromium: corrections up front, one language per page,
French typography, print, the phone's header, section pages, measure, fonts, cards.

On the demo archive and on an archive made here (a topic of twelve articles, a footnote, a lead image,
emphasis inside an opening paragraph), at 390 and 1280 px, light and dark, and in print emulation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from site_builder import i18n
from site_builder.config import load_config
from tests.helpers import article, build_site, make_site

ROOT = Path(__file__).resolve().parents[1]
CORRECTED = "fr/2024/11/deploiement-ukraine/"
UNTRANSLATED = "fr/2025/02/festival-bande-dessinee/"
WIDTHS = [390, 1280]
SCHEMES = ["light", "dark"]
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


@pytest.fixture(scope="module")
def demo(demo_build: Callable[..., Path]) -> Path:
    return demo_build()


def archive_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "site.toml": 'page_size = 5\n',
        "content/tags.toml": ('[defense]\nfr = "Défense"\nen = "Defence"\n'
                              'description.fr = "Armées, budgets et alliances : la défense de l\'Europe."\n'
                              'description.en = "Armed forces, budgets and alliances: the defence of Europe."\n'),
        "static/img/lead.png": PNG_1PX,
    }
    long_opening = " ".join(["Le gouvernement a présenté ce matin un projet de loi très attendu."] * 6)
    for day in range(1, 13):
        files[f"content/articles/2025/03/d{day:02d}.fr.md"] = article(
            f"Défense : un article numéro {day} dont le titre est assez long", f"2025-03-{day:02d}",
            tags="[Défense]", author="Claire Martin", body=f"{long_opening}\n\nLa suite.")
    files["content/articles/2025/04/note.fr.md"] = article(
        "Une note en italique", "2025-04-01", tags="[Culture]",
        body="*Note de la rédaction.*\n\nLe texte commence ici.", image="/img/lead.png", image_alt="Une image")
    files["content/articles/2025/04/emphase.fr.md"] = article(
        "Un paragraphe avec emphase", "2025-04-02", tags="[Culture]",
        body="Le texte a une *emphase* au milieu[^1].\n\n[^1]: Une note de bas de page.")
    return files


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("newsroom-archive"), archive_files())
    build_site(root, base_url="http://127.0.0.1/")
    return root / "public"


@pytest.fixture
def open_page(browser: Any, serve_dir: Callable[..., str]) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []
    bases: dict[Path, str] = {}

    def open_(site: Path, path: str, width: int = 1280, scheme: str = "light", media: str = "screen") -> Any:
        base = bases.setdefault(site, serve_dir(site))
        context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 900},
                                      color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.emulate_media(media=media, color_scheme=scheme)
        if path == "":  # the chooser: without its meta refresh, which would navigate away
            page.route(base, lambda route: route.fulfill(
                response=route.fetch(), body=re.sub(r'<meta http-equiv="refresh"[^>]*>', "", route.fetch().text())))
        page.goto(base + path)
        page.evaluate("document.fonts.ready")
        return page

    yield open_
    for context in contexts:
        context.close()


def pages_of(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix().removesuffix("index.html")
                  for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith("pagefind"))


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- corrections up front ------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_corrected_article_links_to_its_notice_before_its_text(open_page: Callable[..., Any], demo: Path,
                                                              width: int, scheme: str) -> None:
    page = open_page(demo, CORRECTED, width, scheme)
    link = page.locator('.article__header a[href="#correction-1"]')
    assert link.inner_text() == "voir la correction"
    flag = page.locator(".correction-flag").inner_text()
    assert flag.startswith("Article corrigé le 29 novembre 2024")
    link_top = link.bounding_box()["y"]
    text_top = page.locator(".article__body > p").first.bounding_box()["y"]
    assert link_top < text_top, f"the link to the correction is at {link_top}px, the text starts at {text_top}px"
    assert link_top < 844 * 1.0, f"on a {width}px screen the link to the correction is {link_top}px down"
    assert "Corrigé le" in page.locator(".byline").inner_text()
    link.click()
    assert page.evaluate("location.hash") == "#correction-1"
    assert page.locator("#correction-1").is_visible()


# --- one language per page -----------------------------------------------------------------------

TEXT_BY_LANGUAGE = """() => {
  // Every text node (visible or read aloud) with the language of its nearest marked ancestor, outside
  // the language switcher (which names each language in its own words).
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || parent.closest('script, style, .lang-switch, noscript')) continue;
    out.push([parent.closest('[lang]').lang, node.textContent,
              !!parent.closest('code, pre, kbd, samp, input, textarea')]);
  }
  const feedback = document.querySelector('.feedback a.button');
  return {lang: document.documentElement.lang, texts: out, feedback: feedback && decodeURIComponent(feedback.href),
          brands: [...document.querySelectorAll('.masthead__title')].map(a => a.lang || document.documentElement.lang),
          nav: document.querySelectorAll('.site-nav, .lang-switch [aria-current]').length, title: document.title};
}"""


@pytest.fixture(scope="module")
def demo_texts(browser: Any, demo: Path) -> dict[str, dict[str, Any]]:
    """The text of every page of the demo archive, by language, as Chromium has it."""
    import functools
    import http.server
    import threading

    from tests.conftest import _QuietHandler
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        type("Handler", (_QuietHandler,), {"prefix": "/"}), directory=str(demo)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    context = browser.new_context()
    page = context.new_page()
    # The chooser and an old address's page (an alias) are read without their meta refresh.
    page.route(lambda url: url.endswith(("/", ".html")), lambda route: route.fulfill(
        response=route.fetch(), body=re.sub(r'<meta http-equiv="refresh"[^>]*>', "", route.fetch().text())))
    found = {}
    try:
        for path in pages_of(demo):
            page.goto(base + path)
            found[path] = page.evaluate(TEXT_BY_LANGUAGE)
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    return found


def other_language_phrases(lang: str) -> list[str]:
    """Interface words of the other language that this one never uses: what must not leak in."""
    other = "en" if lang == "fr" else "fr"
    own = " ".join(i18n.STRINGS[lang].values())
    phrases = {text for text in i18n.STRINGS[other].values() if "{" not in text and len(text) >= 5}
    phrases |= {i18n.t(other, key) for key in ("language_name", "search_language_fr", "search_language_en")}
    return sorted(p for p in phrases if p not in own)


BILINGUAL = {"", "404.html"}


def test_no_page_shows_the_other_languages_interface_words(demo_texts: dict[str, dict[str, Any]]) -> None:
    leaks = []
    for path, page in demo_texts.items():
        for lang in ("fr", "en"):
            text = " ".join(t for node_lang, t, _code in page["texts"] if node_lang == lang)
            for phrase in other_language_phrases(lang):
                if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
                    leaks.append(f"/{path}: {phrase!r} in {lang} text")
        if path not in BILINGUAL:
            # The other language's name for itself ("English" on a French page) belongs to the
            # switcher only, even marked with its language: elsewhere a page names it in its own words.
            other = "en" if page["lang"] == "fr" else "fr"
            anywhere = " ".join(t for _lang, t, _code in page["texts"])
            if re.search(rf"(?<!\w){i18n.t(other, 'language_name')}(?!\w)", anywhere):
                leaks.append(f"/{path}: {i18n.t(other, 'language_name')!r} outside the language switcher")
    assert leaks == []


def test_an_articles_feedback_message_is_in_its_language(demo_texts: dict[str, dict[str, Any]]) -> None:
    subjects = {path: page["feedback"] for path, page in demo_texts.items() if page["feedback"]}
    assert subjects and all(("Erreur signalée" in href) == path.startswith("fr/") for path, href in subjects.items())


@pytest.mark.parametrize("path", sorted(BILINGUAL))
def test_the_chooser_and_the_404_are_bilingual_on_their_own_terms(demo_texts: dict[str, dict[str, Any]],
                                                                   path: str) -> None:
    page = demo_texts[path]
    assert page["brands"] == ["fr", "en"], "each language's brand, marked with its language"
    assert page["nav"] == 0, "no one language's navigation, no language marked current"
    assert {lang for lang, _text, _code in page["texts"]} == {"fr", "en"}
    assert page["title"] in ("Le Veilleur · The Watchman", "Page introuvable · Page not found")


def test_every_page_walked_has_its_language(demo_texts: dict[str, dict[str, Any]]) -> None:
    assert len(demo_texts) > 40 and {page["lang"] for page in demo_texts.values()} == {"fr", "en"}
    assert {"", "404.html", CORRECTED, "en/feeds/"} <= set(demo_texts)


# --- French typography ---------------------------------------------------------------------------

ORDINARY_SPACE = re.compile(r"\S[ \t\n]+[:;?!](?=\s|$)|«[ \t\n]|[ \t\n]»|«(?=\S)|(?<=\S)»")


def test_french_text_has_no_ordinary_space_before_double_punctuation(
        demo_texts: dict[str, dict[str, Any]]) -> None:
    found = []
    for path, page in demo_texts.items():
        french = " ".join(t for lang, t, code in page["texts"] if lang == "fr" and not code)
        found += [f"/{path}: …{french[max(m.start() - 20, 0):m.end() + 5]}…" for m in ORDINARY_SPACE.finditer(french)]
    assert found == []


def test_english_text_has_typographic_apostrophes(demo_texts: dict[str, dict[str, Any]]) -> None:
    english = " ".join(text for page in demo_texts.values() for lang, text, code in page["texts"]
                       if lang == "en" and not code)
    assert "’" in english and "'" not in english


@pytest.mark.parametrize("width", WIDTHS)
def test_the_first_of_the_month_reads_1er(open_page: Callable[..., Any], demo: Path, width: int) -> None:
    page = open_page(demo, UNTRANSLATED, width)
    assert page.locator(".byline time").first.inner_text() == "1er février 2025"


# --- print ---------------------------------------------------------------------------------------

PRINT_HIDDEN = [".site-nav", ".masthead__bar", ".lang-switch", ".search-form", ".feedback", ".tag-list",
                ".site-footer", ".masthead__menu"]
PRINT_SHOWN = [".masthead__title", ".article__title", ".byline", ".article__body", ".corrections", ".article__url"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_printed_article_is_dark_on_white_with_its_address_and_without_navigation(
        open_page: Callable[..., Any], demo: Path, scheme: str) -> None:
    page = open_page(demo, CORRECTED, 1280, scheme, media="print")
    colors = page.evaluate("""() => ({
      ink: getComputedStyle(document.querySelector('.article__title')).color,
      body: getComputedStyle(document.querySelector('.article__body p')).color,
      paper: getComputedStyle(document.body).backgroundColor})""")
    assert luminance(colors["paper"]) > 0.95, colors
    assert contrast(colors["ink"], colors["paper"]) >= 15 and contrast(colors["body"], colors["paper"]) >= 15, colors
    for selector in PRINT_HIDDEN:
        assert not page.locator(selector).first.is_visible(), f"{selector} is printed"
    for selector in PRINT_SHOWN:
        assert page.locator(selector).first.is_visible(), f"{selector} is not printed"
    assert page.locator(".article__url").inner_text() == load_config(ROOT).base_url + CORRECTED


# --- phone ---------------------------------------------------------------------------------------

PHONE_PAGES = ["fr/", CORRECTED, "fr/tags/defense/", "en/2024/", "fr/corrections/"]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_on_a_phone_the_header_is_compact_and_the_headline_starts_within_200px(
        open_page: Callable[..., Any], demo: Path, path: str) -> None:
    page = open_page(demo, path, 390)
    header = page.locator(".masthead").bounding_box()
    assert header["height"] <= 80, f"the header is {header['height']}px tall"
    assert page.locator("h1").bounding_box()["y"] < 200
    for name in (".masthead__title", ".lang-switch", ".masthead__search-link", ".masthead__menu summary"):
        assert page.locator(name).first.is_visible(), f"{name} is not in the phone's header"


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_on_a_phone_the_headers_tap_targets_are_44px(open_page: Callable[..., Any], demo: Path, path: str) -> None:
    page = open_page(demo, path, 390)
    page.locator(".masthead__menu summary").click()
    small = page.evaluate("""() => [...document.querySelectorAll('.masthead a, .masthead summary, .masthead button')]
      .filter(e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden')
      .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
      .filter(([, r]) => r.width > 1 && (r.width < 44 || r.height < 44))
      .map(([t, r]) => `${t}: ${Math.round(r.width)}×${Math.round(r.height)}`)""")
    assert small == []
    assert page.locator(".masthead__menu-nav a[aria-current]").count() <= 1


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["fr/", "fr/search/"])
def test_no_form_field_is_under_16px(open_page: Callable[..., Any], archive: Path, path: str, width: int) -> None:
    page = open_page(archive, path, width)
    if "search" in path:
        page.wait_for_selector("#search-q", timeout=10_000)
    sizes = page.evaluate("""() => [...document.querySelectorAll('input:not([type=checkbox]), select, textarea')]
      .filter(e => e.offsetParent !== null)
      .map(e => [e.id || e.name || e.type, parseFloat(getComputedStyle(e).fontSize)])""")
    assert all(size >= 16 for _name, size in sizes), sizes
    assert sizes or (width < 600 and "search" not in path)  # (a phone's header links to the search page)


# --- section pages -------------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["fr/", "fr/tags/defense/", "fr/2025/", "fr/corrections/", "fr/tags/", "fr/search/"])
def test_a_section_pages_title_is_its_largest_heading(open_page: Callable[..., Any], archive: Path,
                                                      path: str, width: int) -> None:
    page = open_page(archive, path, width)
    sizes = page.evaluate("""() => [...document.querySelectorAll('main h1, main h2, main h3')]
      .map(h => [h.tagName, parseFloat(getComputedStyle(h).fontSize)])""")
    title = sizes[0]
    assert title[0] == "H1" and all(size <= title[1] for _tag, size in sizes), sizes


def test_a_topic_page_shows_its_description_and_count_and_page_2_says_so(
        open_page: Callable[..., Any], archive: Path) -> None:
    page = open_page(archive, "fr/tags/defense/")
    assert page.locator(".section-intro").inner_text() == "Armées, budgets et alliances\u00a0: la défense de l’Europe."
    assert page.locator(".section-count").inner_text().startswith("12 articles")
    page = open_page(archive, "fr/tags/defense/page/2/")
    assert page.locator("h1").inner_text() == "Sujet\u00a0: Défense, page 2"
    assert page.locator('.site-nav a[aria-current="page"]').inner_text() == "Sujets"


def test_a_year_page_puts_article_headings_under_month_headings(open_page: Callable[..., Any], archive: Path) -> None:
    page = open_page(archive, "fr/2025/")
    levels = page.evaluate("() => [...document.querySelectorAll('main h1, main h2, main h3')].map(h => h.tagName)")
    assert levels[:3] == ["H1", "H2", "H3"] and "H2" not in {levels[i] for i in range(2, 4)} and levels.count("H2") == 2


@pytest.mark.parametrize(("path", "section"), [("fr/page/2/", "Accueil"), ("fr/tags/defense/page/2/", "Sujets"),
                                                ("fr/2025/", "Archives"), ("fr/archives/", "Archives"),
                                                ("fr/corrections/", "Corrections")])
def test_the_navigation_marks_the_section_of_every_page_under_it(open_page: Callable[..., Any], archive: Path,
                                                                 path: str, section: str) -> None:
    page = open_page(archive, path)
    assert page.locator('.site-nav a[aria-current="page"]').inner_text() == section


# --- measure -------------------------------------------------------------------------------------

LONGEST_LINE = """(selector) => [...document.querySelectorAll(selector)].map(el => {
  const range = document.createRange(); range.selectNodeContents(el);
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const width = rects.reduce((sum, r) => sum + r.width, 0);
  const perPixel = el.textContent.trim().length / width;
  return Math.max(...rects.map(r => r.width * perPixel));
})"""


@pytest.mark.parametrize(("site_name", "path", "selector"), [
    ("archive", "fr/2025/", ".card__summary"), ("archive", "fr/", ".card__summary"),
    ("archive", "fr/tags/defense/", ".section-intro"), ("demo", "fr/corrections/", ".section-intro"),
    ("demo", "fr/corrections/", ".correction__text"), ("demo", "en/feeds/", ".section-intro")])
def test_lines_of_lists_summaries_and_intros_stay_under_80_characters(
        open_page: Callable[..., Any], demo: Path, archive: Path, site_name: str, path: str, selector: str) -> None:
    page = open_page(demo if site_name == "demo" else archive, path, 1280)
    lengths = page.evaluate(LONGEST_LINE, selector)
    assert lengths and max(lengths) <= 80, f"{selector} on /{path}: lines of {[round(n) for n in lengths]} characters"


# --- fonts ---------------------------------------------------------------------------------------

def test_the_fonts_load_from_the_site_itself(browser: Any, demo: Path, serve_dir: Callable[..., str]) -> None:
    base = serve_dir(demo)
    context = browser.new_context()
    page = context.new_page()
    fonts: list[str] = []
    page.on("request", lambda request: fonts.append(request.url) if request.resource_type == "font" else None)
    page.goto(base + CORRECTED)
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    context.close()
    assert {"Source Serif 4", "Playfair Display"} <= {family.strip('"') for family in loaded}
    assert fonts and all(url.startswith(base + "assets/fonts/") for url in fonts), fonts
    total = sum((demo / "assets/fonts").joinpath(url.rsplit("/", 1)[1]).stat().st_size for url in set(fonts))
    assert total < 150_000, f"an article's first view loads {total} bytes of fonts"


def test_the_shipped_fonts_are_woff2_with_their_licences() -> None:
    folder = ROOT / "site_builder/theme/assets/fonts"
    faces = sorted(folder.glob("*.woff2"))
    assert faces and all(face.read_bytes()[:4] == b"wOF2" for face in faces)
    assert all("SIL Open Font License" in licence.read_text() for licence in folder.glob("OFL-*.txt"))
    assert len(list(folder.glob("OFL-*.txt"))) == 2


# --- cards ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_a_card_has_a_kicker_a_byline_and_at_most_three_lines_of_standfirst(
        open_page: Callable[..., Any], archive: Path, width: int) -> None:
    page = open_page(archive, "fr/tags/defense/", width)
    card = page.locator(".cards > li").nth(1)
    assert card.locator(".kicker").inner_text().lower() == "défense"
    assert card.locator(".card__authors").inner_text() == "Claire Martin"
    lines = card.locator(".card__summary").evaluate(
        "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)")
    assert lines <= 3.05, f"{lines} lines of standfirst"


def test_a_card_shows_the_lead_image_with_its_size_lazily_below_the_fold(
        open_page: Callable[..., Any], archive: Path) -> None:
    page = open_page(archive, "fr/2025/")
    image = page.locator(".card__image")
    assert image.count() == 1
    assert image.get_attribute("width") and image.get_attribute("height") and image.get_attribute("loading") == "lazy"
    assert image.get_attribute("alt") == "Une image"


# --- the smaller flaws ---------------------------------------------------------------------------

def test_the_drop_cap_survives_emphasis_and_skips_an_italic_note(open_page: Callable[..., Any], archive: Path) -> None:
    first_letter = "e => getComputedStyle(e, '::first-letter').cssFloat"
    page = open_page(archive, "fr/2025/04/emphase/")
    assert page.locator(".article__body > p").first.evaluate(first_letter) == "left"
    page = open_page(archive, "fr/2025/04/note/")
    paragraphs = page.locator(".article__body > p")
    assert paragraphs.nth(0).evaluate(first_letter) == "none" and paragraphs.nth(1).evaluate(first_letter) == "left"


def test_footnote_back_links_have_a_name_in_words(open_page: Callable[..., Any], archive: Path) -> None:
    page = open_page(archive, "fr/2025/04/emphase/")
    assert page.locator("a.footnote-backref").get_attribute("aria-label") == "Retour à l’appel de note 1"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_page_declares_its_colour_scheme_and_tag_pills_are_3_to_1(open_page: Callable[..., Any], demo: Path,
                                                                       scheme: str) -> None:
    page = open_page(demo, CORRECTED, 1280, scheme)
    styles = page.evaluate("""() => ({scheme: getComputedStyle(document.documentElement).colorScheme,
      border: getComputedStyle(document.querySelector('.tag-list a')).borderTopColor,
      paper: getComputedStyle(document.body).backgroundColor})""")
    assert "dark" in styles["scheme"] and "light" in styles["scheme"]
    assert contrast(styles["border"], styles["paper"]) >= 3, styles


def test_no_request_of_a_page_fails_and_the_favicon_is_the_sites(browser: Any, demo: Path,
                                                                 serve_dir: Callable[..., str]) -> None:
    base = serve_dir(demo)
    context = browser.new_context()
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(base + "fr/")
    page.wait_for_timeout(300)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    context.close()
    assert failed == [] and icon == "/favicon.svg" and (demo / "favicon.svg").read_bytes().startswith(b"<svg")


def test_a_projects_own_favicon_replaces_the_themes(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article(), "static/favicon.svg": "<svg>own</svg>"})
    build_site(tmp_path, search=False)
    assert (tmp_path / "public/favicon.svg").read_text() == "<svg>own</svg>"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_language_switch_of_an_untranslated_article_says_so(open_page: Callable[..., Any], demo: Path,
                                                                width: int) -> None:
    page = open_page(demo, UNTRANSLATED, width)
    note = page.locator(".lang-switch__note")
    assert note.text_content() == "(article non traduit\u00a0: accueil en anglais)"
    shown = note.bounding_box()["width"] > 1  # on a phone the header has no room: it is read aloud only
    assert shown == (width > 600)
    assert page.locator(".lang-switch__missing").get_attribute("href") == "/en/"


def test_the_feeds_page_says_what_a_feed_is(open_page: Callable[..., Any], demo: Path) -> None:
    page = open_page(demo, "fr/")
    page.locator(".site-footer a", has_text="Flux Atom").click()
    assert page.url.endswith("/fr/feeds/")
    assert "lecteur de flux" in page.locator(".section-intro").first.inner_text()
    assert page.locator('a[type="application/atom+xml"]').first.get_attribute("href") == "/fr/feed.xml"
