"""Slugs, in one place: URL slugs of articles and tags (`make_slug`) and heading ids
(`heading_slug`), lower-case ASCII words joined by hyphens (`Défense européenne` →
`defense-europeenne`), python-slugify's, made without it where the text is ASCII once its accents
are dropped (`ascii_slug`; property tests compare the two)."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from site_builder import memo

# python-slugify's default backend tries to import `unidecode` on every call with non-ASCII text
# (~150 µs each when it is not installed); naming the backend is 15× faster and makes slugs the
# same whether or not `unidecode` happens to be installed.
TRANSLITERATION: Final = "text-unidecode"


# python-slugify's own patterns, for `ascii_slug` (heading ids and URL slugs; its `_legacy` module
# holds them, and its pipeline is frozen: "Do not change its behavior").
COMBINING_ACCENTS = re.compile("[\u0300-\u034e]")
"""The combining marks that its transliteration (text-unidecode) drops."""
DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")
NOT_SLUG = re.compile(r"[^-a-z0-9]+")
DASHES = re.compile(r"-{2,}")


def heading_slug(text: str) -> str:
    """Heading ids: lower-case ASCII words joined by hyphens (`Défense européenne` → `defense-europeenne`).

    python-slugify's, made here without it for the headings that are ASCII once their accents are
    dropped (nearly all, in French and English): its pipeline is a dozen passes over the text,
    half the time it takes to give an article's headings their ids. A test compares the two."""
    slug = ascii_slug(text)
    if slug is None:
        from slugify import slugify  # (python-slugify: imported only for the text `ascii_slug` cannot do)

        slug = slugify(text, backend=TRANSLITERATION)
    return slug or "section"


def ascii_slug(text: str) -> str | None:
    """python-slugify's slug of `text` (with TRANSLITERATION), or None where only slugify can say:
    for text that is not ASCII once its accents are dropped (other scripts and signs), or that holds
    an HTML entity. Tests compare the two."""
    plain = text.replace("'", "-")  # slugify's first step: an apostrophe separates words
    if not plain.isascii():
        # NFKD splits a letter from its accents, which transliteration then drops (U+0300–U+034E)
        plain = COMBINING_ACCENTS.sub("", unicodedata.normalize("NFKD", plain))
    if not plain.isascii() or "&" in plain:
        return None
    # an apostrophe NFKD made is dropped; a comma between digits too (`1,000` → `1000`)
    plain = DIGIT_COMMA.sub("", plain.lower().replace("'", ""))
    return DASHES.sub("-", NOT_SLUG.sub("-", plain)).strip("-")


SLUG_MAX_LENGTH = 80
"""Longest URL slug, in characters (cut at a word's end)."""


@memo.memoized(maxsize=8192)  # tag labels are slugified again for every article that uses them
def make_slug(text: str) -> str:
    """Lower-case ASCII slug (`Défense européenne` → `defense-europeenne`); '' when nothing is left."""
    quick = ascii_slug(text)  # (NFC or not: the same; slugify's own pipeline is 3× slower)
    if quick is not None and len(quick) < SLUG_MAX_LENGTH:  # (a longer one is cut at a word's end)
        return quick
    from slugify import slugify

    return slugify(unicodedata.normalize("NFC", text), max_length=SLUG_MAX_LENGTH, word_boundary=True,
                   backend=TRANSLITERATION)
