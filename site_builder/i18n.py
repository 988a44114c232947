"""Languages: where an article's language is decided, interface strings, and date formatting."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from site_builder import memo, typography
from site_builder.errors import did_you_mean

if TYPE_CHECKING:
    from babel import Locale

SUPPORTED_LANGUAGES = ("fr", "en")
LANGUAGE_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<lang>[a-z]{2})$")

# Every piece of interface text, in every supported language. Templates read them through `t`.
STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "language_name": "Français",
        "skip_to_content": "Aller au contenu",
        "home": "Accueil",
        "tags": "Sujets",
        "all_tags": "Tous les sujets",
        "archives": "Archives",
        "search": "Recherche",
        "search_label": "Rechercher dans les archives",
        "search_button": "Chercher",
        "by": "Par",
        "published": "Publié le",
        "updated": "Mis à jour le",
        "read_in": "Lire en français",
        "translation_available": "Cet article existe aussi en",
        "tagged": "Sujets de l'article",
        "feedback_title": "Avez-vous trouvé une erreur ou une inexactitude ?",
        "feedback_text": "Nous étudierons vos commentaires dans les plus brefs délais.",
        "feedback_link": "Signaler une erreur",
        "pagination": "Pagination",
        "previous_page": "Page précédente",
        "next_page": "Page suivante",
        "page_n_of_m": "Page {n} sur {m}",
        "articles_count_one": "{n} article",
        "articles_count_other": "{n} articles",
        "tag_title": "Sujet : {tag}",
        "year_title": "Archives {year}",
        "month_title": "{month}",
        "no_articles": "Aucun article pour le moment.",
        "not_found_title": "Page introuvable",
        "not_found_text": "La page demandée n'existe pas ou a été déplacée.",
        "back_home": "Retour à l'accueil",
        "moved_title": "Cet article a changé d'adresse",
        "moved_text": "Cet article se trouve désormais à cette adresse :",
        "choose_language": "Choisissez votre langue",
        "main_nav": "Navigation principale",
        "language_switcher": "Langue",
        "latest": "Derniers articles",
        "draft": "Brouillon",
        "footer_note": "Archives d'actualité bilingues.",
        "corrections": "Corrections",
        "correction": "Correction",
        "clarification": "Précision",
        "corrections_intro": "Quand une erreur nous est signalée et confirmée, l'article est corrigé et "
                             "la correction, datée, est publiée dans l'article et ici, de la plus récente "
                             "à la plus ancienne.",
        "no_corrections": "Aucune correction pour le moment.",
        "corrections_on_article": "Corrections apportées à cet article",
        "correction_about": "Article :",
        "feedback_corrections": "Les erreurs confirmées sont corrigées dans l'article et répertoriées sur la page",
        "corrections_page": "Corrections",
        "feed_topic_title": "{site} · {topic}",
        "correction_entry_title": "{kind} : {title}",
        "subscribe": "Flux Atom",
        "corrections_feed": "Flux Atom des corrections",
        "search_noscript": "La recherche a besoin de JavaScript, qui est désactivé dans votre navigateur. "
                           "Vous pouvez parcourir le site :",
        "search_empty": "Aucun article à chercher pour le moment.",
        "search_unavailable": "La recherche n'est pas disponible : l'index de recherche est introuvable.",
        "search_controls": "Options de recherche",
        "search_filter_tag": "Sujet",
        "search_filter_year": "Année",
        "search_sort": "Ordre",
        "search_sort_relevance": "Pertinence",
        "search_sort_newest": "Les plus récents",
        "search_clear": "Effacer",
        "search_no_filter_tag": "Tous les sujets",
        "search_no_filter_year": "Toutes les années",
        "search_count_one": "{n} résultat pour {q}",
        "search_count_other": "{n} résultats pour {q}",
        "search_listing_one": "{n} article",
        "search_listing_other": "{n} articles",
        "search_none": "Pas de résultat pour {q}.",
        "search_none_try": "Essayez :",
        "search_none_topics": "la liste des sujets",
        "search_none_archives": "les archives par année",
        "search_topic_suggestion": "Sujet : {label}, {count}",
        "search_page_n": "Page {n}",
        "search_previous": "Résultats précédents",
        "search_next": "Résultats suivants",
        "search_pages": "Pages de résultats",
        "search_sections": "Sections de l'article",
        "search_loading": "Recherche en cours…",
        "search_failed": "La recherche a échoué : rechargez la page.",
        "search_also_fr": "Chercher aussi en français",
        "search_also_en": "Chercher aussi en anglais",
        "search_language_fr": "Français",
        "search_language_en": "Anglais",
        "search_version_fr": "Version française :",
        "search_version_en": "Version anglaise :",
        "corrected_on": "Corrigé le",
        "clarified_on": "Précisé le",
        "notice_correction": "Article corrigé le {date} :",
        "notice_clarification": "Article précisé le {date} :",
        "notice_link_correction": "voir la correction",
        "notice_link_clarification": "voir la précision",
        "translation_available_fr": "Cet article existe aussi en français :",
        "translation_available_en": "Cet article existe aussi en anglais :",
        "no_translation_fr": "(article non traduit : accueil en français)",
        "no_translation_en": "(article non traduit : accueil en anglais)",
        "heading_page_n": "{heading}, page {n}",
        "menu": "Menu",
        "footnote_back": "Retour à l'appel de note {n}",
        "feeds": "Flux Atom",
        "feeds_title": "S'abonner avec un lecteur de flux",
        "feeds_intro": "Un flux Atom est une adresse qu'un lecteur de flux (Feedly, NetNewsWire, Thunderbird…) "
                       "consulte pour vous : il vous montre nos nouveaux articles dès leur publication, "
                       "gratuitement et sans inscription. Copiez l'adresse d'un flux dans votre lecteur.",
        "feed_latest": "Derniers articles",
        "feed_corrections": "Corrections",
        "feed_topics": "Un flux par sujet est proposé sur la page de chaque sujet.",
        "atom_feed": "Flux Atom",
        "site_brands": "{fr} · {en}",
    },
    "en": {
        "language_name": "English",
        "skip_to_content": "Skip to content",
        "home": "Home",
        "tags": "Topics",
        "all_tags": "All topics",
        "archives": "Archives",
        "search": "Search",
        "search_label": "Search the archive",
        "search_button": "Search",
        "by": "By",
        "published": "Published",
        "updated": "Updated",
        "read_in": "Read in English",
        "translation_available": "This article is also available in",
        "tagged": "Article topics",
        "feedback_title": "Did you find an error or inaccuracy?",
        "feedback_text": "We will review your feedback as soon as possible.",
        "feedback_link": "Report an error",
        "pagination": "Pagination",
        "previous_page": "Previous page",
        "next_page": "Next page",
        "page_n_of_m": "Page {n} of {m}",
        "articles_count_one": "{n} article",
        "articles_count_other": "{n} articles",
        "tag_title": "Topic: {tag}",
        "year_title": "{year} archive",
        "month_title": "{month}",
        "no_articles": "No articles yet.",
        "not_found_title": "Page not found",
        "not_found_text": "The page you asked for does not exist or has moved.",
        "back_home": "Back to the home page",
        "moved_title": "This article has moved",
        "moved_text": "This article now lives at this address:",
        "choose_language": "Choose your language",
        "main_nav": "Main navigation",
        "language_switcher": "Language",
        "latest": "Latest articles",
        "draft": "Draft",
        "footer_note": "A bilingual news archive.",
        "corrections": "Corrections",
        "correction": "Correction",
        "clarification": "Clarification",
        "corrections_intro": "When an error is reported to us and confirmed, the article is corrected and "
                             "the dated correction is published on the article and here, newest first.",
        "no_corrections": "No corrections yet.",
        "corrections_on_article": "Corrections to this article",
        "correction_about": "Article:",
        "feedback_corrections": "Confirmed errors are corrected in the article and listed on our",
        "corrections_page": "corrections page",
        "feed_topic_title": "{site} · {topic}",
        "correction_entry_title": "{kind}: {title}",
        "subscribe": "Atom feeds",
        "corrections_feed": "Corrections Atom feed",
        "search_noscript": "Search needs JavaScript, which is turned off in your browser. "
                           "You can browse the site instead:",
        "search_empty": "No articles to search yet.",
        "search_unavailable": "Search is unavailable: the search index is missing.",
        "search_controls": "Search options",
        "search_filter_tag": "Topic",
        "search_filter_year": "Year",
        "search_sort": "Order",
        "search_sort_relevance": "Relevance",
        "search_sort_newest": "Newest",
        "search_clear": "Clear",
        "search_no_filter_tag": "All topics",
        "search_no_filter_year": "All years",
        "search_count_one": "{n} result for {q}",
        "search_count_other": "{n} results for {q}",
        "search_listing_one": "{n} article",
        "search_listing_other": "{n} articles",
        "search_none": "No results for {q}.",
        "search_none_try": "Try:",
        "search_none_topics": "the list of topics",
        "search_none_archives": "the archives by year",
        "search_topic_suggestion": "Topic: {label}, {count}",
        "search_page_n": "Page {n}",
        "search_previous": "Previous results",
        "search_next": "Next results",
        "search_pages": "Result pages",
        "search_sections": "Sections of the article",
        "search_loading": "Searching…",
        "search_failed": "Search failed: reload the page.",
        "search_also_fr": "Also search in French",
        "search_also_en": "Also search in English",
        "search_language_fr": "French",
        "search_language_en": "English",
        "search_version_fr": "French version:",
        "search_version_en": "English version:",
        "corrected_on": "Corrected on",
        "clarified_on": "Clarified on",
        "notice_correction": "Corrected on {date}:",
        "notice_clarification": "Clarified on {date}:",
        "notice_link_correction": "see the correction",
        "notice_link_clarification": "see the clarification",
        "translation_available_fr": "This article is also available in French:",
        "translation_available_en": "This article is also available in English:",
        "no_translation_fr": "(not translated: French home page)",
        "no_translation_en": "(not translated: English home page)",
        "heading_page_n": "{heading}, page {n}",
        "menu": "Menu",
        "footnote_back": "Back to reference {n}",
        "feeds": "Atom feeds",
        "feeds_title": "Follow with a feed reader",
        "feeds_intro": "An Atom feed is an address that a feed reader (Feedly, NetNewsWire, Thunderbird…) "
                       "checks for you: it shows you our new articles as they are published, free and "
                       "without an account. Copy a feed's address into your reader.",
        "feed_latest": "Latest articles",
        "feed_corrections": "Corrections",
        "feed_topics": "Each topic's page offers a feed of that topic.",
        "atom_feed": "Atom feed",
        "site_brands": "{fr} · {en}",
    },
}


# Interface text is set like the articles' text (French spacing, typographic apostrophes).
STRINGS = {lang: {key: typography.text(text, lang) for key, text in strings.items()}
           for lang, strings in STRINGS.items()}


def language_of(file_name: str, front_matter_lang: object | None) -> tuple[str | None, str, str | None]:
    """Decide an article's language from its file name (`x.fr.md`) or its `lang:` field.

    Returns (language, stem without suffix, error message or None). This is the one place where
    an article's language is decided.
    """
    stem = file_name[:-3] if file_name.endswith(".md") else file_name
    match = LANGUAGE_SUFFIX.match(stem)
    suffix = match.group("lang") if match else None
    if match:
        stem = match.group("stem")
    if front_matter_lang is not None and not isinstance(front_matter_lang, str):
        return suffix, stem, (f"`lang` must be a language code such as `fr` or `en`, not "
                              f"`{front_matter_lang!r}` (quote it: lang: \"no\")")
    if suffix and front_matter_lang and front_matter_lang != suffix:
        return suffix, stem, (f"the file name says `{suffix}` but `lang` says `{front_matter_lang}`: "
                              "remove `lang` or rename the file")
    lang = suffix or front_matter_lang
    if not lang:
        return None, stem, (f"no language: rename the file `{stem}.fr.md` or `{stem}.en.md`, "
                            "or add `lang: fr` to the front matter")
    return lang, stem, None


def t(lang: str, key: str, **values: object) -> str:
    """Interface string `key` in `lang`, with `{placeholders}` filled in."""
    text = STRINGS[lang][key]
    return text.format(**values) if values else text


class UnknownString(LookupError):
    """A template asked for an interface string that does not exist."""

    def __init__(self, key: str):
        super().__init__(f"there is no interface string `{key}`{did_you_mean(key, STRINGS['en'])}: "
                         "the strings are listed in site_builder/i18n.py")


class Translator:
    """A language's interface strings as templates see them: `t("key")`, `t("key", n=3)`, and
    `t.key`, the form templates are compiled into (see `render`)."""

    def __init__(self, lang: str):
        self.__dict__.update(STRINGS[lang])
        self._lang = lang

    def __call__(self, key: str, **values: object) -> str:
        if key not in STRINGS[self._lang]:
            raise UnknownString(key)
        return t(self._lang, key, **values)


@memo.memoized(maxsize=16)
def translator(lang: str) -> Translator:
    return Translator(lang)


def count_label(lang: str, n: int) -> str:
    """'1 article' / '12 articles', pluralised by the language's CLDR plural rule."""
    form = _locale(lang).plural_form(n)
    key = "articles_count_one" if form == "one" else "articles_count_other"
    return t(lang, key, n=n)


def format_date(value: date, locale: str) -> str:
    """The one place a date is formatted for readers: « 27 novembre 2024 », "27 November 2024"."""
    return _format_day(value.date() if isinstance(value, datetime) else value, locale)


@memo.memoized(maxsize=65536)  # keyed by day, not by moment: every article's date is formatted several times
def _format_day(day: date, locale: str) -> str:
    from babel.dates import format_date as babel_format_date  # (Babel: not imported by a build with nothing to do)

    text = babel_format_date(day, format="long", locale=_locale(locale))
    if day.day == 1 and locale.split("_")[0] == "fr" and text.startswith("1 "):
        return "1er" + text[1:]  # French writes the first of the month as an ordinal: 1er février
    return text


@memo.memoized(maxsize=16)
def _locale(name: str) -> Locale:
    """Parsing a locale name is most of the cost of formatting a date."""
    from babel import Locale

    return Locale.parse(name)


def iso_datetime(moment: datetime, tz: tzinfo) -> str:
    """The one place a time is written for machines (`<time datetime>`, feeds, metadata): RFC 3339."""
    return moment.astimezone(tz).isoformat()


@memo.memoized(maxsize=256)
def month_name(month: int, locale: str) -> str:
    """Stand-alone month name, capitalised: « Novembre », "November"."""
    name = _locale(locale).months["stand-alone"]["wide"][month]
    return name[:1].upper() + name[1:]
