"""Scenarios shared by several test modules (so that no test module imports another): the small
bilingual site and its steps of edits that the incremental, last-build, cache-trust and session
tests replay, and the hostile site of the escaping tests."""

from __future__ import annotations

from pathlib import Path

from site_builder import typography
from site_builder.build import BuildResult
from tests import helpers
from tests.helpers import article, make_site, tree_digest

SITE = {
    "site.toml": 'base_url = "https://news.example/archive/"\npage_size = 2\n',
    "content/tags.toml": '[defense]\nfr = "Défense"\nen = "Defence"\n',
    "content/articles/2024/a.fr.md": article("Alpha", "2024-01-10", "Premier paragraphe.\n\n## Suite\n\nLa suite.",
                                             tags="[Défense, Europe]", translation_key="a"),
    "content/articles/2024/a.en.md": article("Alpha EN", "2024-01-10", "First paragraph.", tags="[Defence]",
                                             translation_key="a"),
    "content/articles/2024/b.fr.md": article("Bravo", "2024-02-10", "Bravo.", tags="[Europe]"),
    "content/articles/2024/c.fr.md": article("Charlie", "2024-03-10", "Charlie.", tags="[Défense]"),
    "content/articles/2023/d.fr.md": article("Delta", "2023-05-10", "Delta.", tags="[Culture]"),
    "content/articles/2023/e.en.md": article("Echo", "2023-06-10", "Echo.", tags="[Culture]"),
}

# Each step changes the project; after each, the incremental output must equal a clean build's.
STEPS: list[tuple[str, dict[str, str | None]]] = [
    ("edit a body (not the first paragraph)", {
        "content/articles/2024/a.fr.md": article("Alpha", "2024-01-10", "Premier paragraphe.\n\n## Suite\n\nAutre.",
                                                 tags="[Défense, Europe]", translation_key="a")}),
    ("edit a first paragraph (the summary on every list)", {
        "content/articles/2024/b.fr.md": article("Bravo", "2024-02-10", "Bravo, corrigé.", tags="[Europe]")}),
    ("add an article with a new tag", {
        "content/articles/2024/f.fr.md": article("Foxtrot", "2024-04-01", "Foxtrot.", tags="[Climat]")}),
    ("edit tags", {
        "content/articles/2024/c.fr.md": article("Charlie", "2024-03-10", "Charlie.", tags="[Europe, Climat]")}),
    ("rename an article (its URL moves)", {
        "content/articles/2024/c.fr.md": None,
        "content/articles/2024/charlie.fr.md": article("Charlie", "2024-03-10", "Charlie.", tags="[Europe, Climat]")}),
    ("delete an article (its last tag page goes)", {"content/articles/2023/d.fr.md": None}),
    ("retitle a translation (the other version's link changes)", {
        "content/articles/2024/a.en.md": article("Alpha, retitled", "2024-01-10", "First paragraph.",
                                                 tags="[Defence]", translation_key="a")}),
    ("relabel a tag in the registry", {"content/tags.toml": '[defense]\nfr = "Défense nationale"\nen = "Defence"\n'}),
    ("make an article a draft", {
        "content/articles/2024/b.fr.md": article("Bravo", "2024-02-10", "Bravo, corrigé.", tags="[Europe]",
                                                 draft="true")}),
    ("delete the last English article of a year", {"content/articles/2023/e.en.md": None}),
]


def build_site(root: Path, **options: object) -> BuildResult:
    """Without search unless asked: Pagefind does not write its index byte-stably."""
    options.setdefault("search", False)
    return helpers.build_site(root, **options)


def apply(root: Path, changes: dict[str, str | None]) -> None:
    for rel, text in changes.items():
        if text is None:
            (root / rel).unlink()
        else:
            make_site(root, {rel: text})


def clean_build(root: Path, out: Path) -> dict[str, str]:
    build_site(root, output=out, cache=False)
    return tree_digest(out)


# --- the hostile site -----------------------------------------------------------------------------

HOSTILE_ARTICLE = "content/articles/2024/a.fr.md"
PAYLOAD = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>'
# Titles, summaries and tags are set in their language's typography (the quote becomes « or “); the
# author and the image text are not, so the straight quote still reaches attributes as it is.
PAYLOADS = (PAYLOAD, typography.text(PAYLOAD, "fr"), typography.text(PAYLOAD, "en"))


def hostile_site(root: Path) -> Path:
    """The payload as title, tag, author, summary and image text, in both languages, so that it
    reaches every page kind and every metadata output (meta tags, feeds, JSON-LD, search data)."""
    fields = dict(tags=f"['{PAYLOAD}', Sujet]", author=f"'{PAYLOAD}'", summary=f"'{PAYLOAD}'",
                  image="/img/a.jpg", image_alt=f"'{PAYLOAD}'", translation_key="k")
    return make_site(root, {HOSTILE_ARTICLE: article(title=PAYLOAD, **fields),
                            "content/articles/2024/a.en.md": article(title=PAYLOAD, **fields)})
