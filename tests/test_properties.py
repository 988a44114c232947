"""Property-based tests: arbitrary front matter and Markdown through parse → assemble → render.

Whatever the input, the only exception that escapes is the builder's own SiteError; every output
path stays inside the output folder; every title appears escaped, exactly; every slug matches the
documented pattern; no page can run a script."""

from __future__ import annotations

import os
import re
import string

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from site_builder import urls
from site_builder.content import front_matter as content
from site_builder.content.parse import KNOWN_KEYS, SLUG_PATTERN
from tests.pipeline import PROJECT, Outcome, run_pipeline
from tests.safety import unsafe_markup

PAYLOADS = ['"><img src=x onerror=alert(1)>', "</script><script>alert(2)</script>", "<b>", "&amp;", "{{ 1 }}"]
SPECIAL = ["2024-11-27", "2024-02-30", "2024-11-27T09:30:00+01:00", "9999-12-31T23:59:59-12:00",
           "0001-01-01T00:00:00+05:00", "tuesday", "fr", "en", "no", "../../x", "/abs", "..\\x", "%2e%2e%2f",
           "con", "NUL", "???", "Apple", "apple", "café", "cafe\u0301", "javascript:alert(1)", "", " ", *PAYLOADS]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, st.sampled_from(SPECIAL))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
KEYS = st.sampled_from(sorted(KNOWN_KEYS) + ["tittle", "Title", "x"]) | st.text(max_size=8)
READABLE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
TITLES = st.one_of(READABLE, st.sampled_from(PAYLOADS), st.builds("".join, st.lists(st.sampled_from(
    [*PAYLOADS, "Défense", " ", "<", ">", "&", '"', "'", "·"]), min_size=1, max_size=4)))
MARKDOWN_PIECES = [*string.ascii_letters[:6], *" \n\t<>[]()!*_`#-|:&;\"'/\\=~^", "é", "<script>", "](",
                   "<img onerror=alert(1) src=x>", "javascript:", "\n\n", "> ", "- ", "1. ", "```", "[^1]",
                   "<div>", "</div>", "&#106;", "<a href='javascript:alert(3)'>", "<style>"]
MARKDOWN = st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=60).map("".join) | st.text(max_size=200)
EXAMPLES = int(os.environ.get("SITE_BUILDER_PROPERTY_EXAMPLES", "100"))
"""Kept small so the suite stays fast; raise it for a longer search."""
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OUT = PROJECT / "public"


PLAUSIBLE = {
    "tags": st.lists(TITLES, max_size=4), "author": TITLES | st.lists(TITLES, max_size=3),
    "summary": TITLES, "slug": st.sampled_from(SPECIAL) | TEXT, "draft": st.booleans(),
    "translation_key": TEXT, "image": st.sampled_from(["/img/a.jpg", "https://x.example/a.png", *SPECIAL]),
    "image_alt": TITLES, "updated": st.sampled_from(SPECIAL[:5]), "extra": st.dictionaries(TEXT, VALUES, max_size=3),
}
VALID_DATES = st.sampled_from(["2024-11-27", "2024-11-27T09:30:00+01:00", "1999-12-31", "2024-02-29T23:59:59Z"])


@st.composite
def articles(draw: st.DrawFn) -> dict[str, bytes]:
    """One to three article files: plausible headers (so that most reach the renderer), now and then
    with a random key or value."""
    files = {}
    for index in range(draw(st.integers(1, 3))):
        date = st.one_of(VALID_DATES, VALID_DATES, VALID_DATES, st.sampled_from(SPECIAL))
        fields: dict[object, object] = {"title": draw(TITLES | TEXT), "date": draw(date)}
        for key in draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), unique=True, max_size=5)):
            fields[key] = draw(PLAUSIBLE[key])
        if draw(st.integers(0, 4)) == 0:
            fields.update(draw(st.dictionaries(KEYS, VALUES, max_size=2)))
        header = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
        name = draw(st.sampled_from(["a", "b", "c", "d", "Apple", "apple", "café", "cafe\u0301", "con", "???"]))
        lang = draw(st.sampled_from(["fr", "en", "fr", "en", "de"]))
        files[f"content/articles/{index}/{name}.{lang}.md"] = f"---\n{header}---\n\n{draw(MARKDOWN)}\n".encode()
    return files


@st.composite
def raw_headers(draw: st.DrawFn) -> dict[str, bytes]:
    """A file whose header is arbitrary text, not necessarily YAML."""
    header = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=120))
    return {"content/articles/a.fr.md": f"---\ntitle: T\ndate: 2024-11-27\n{header}\n---\n{draw(MARKDOWN)}".encode()}


def check_properties(outcome: Outcome) -> None:
    event("some article rendered" if outcome.outputs and outcome.articles else "no article rendered")
    for article in outcome.articles:
        assert SLUG_PATTERN.match(article.slug), article.slug
    pages = {}
    for out in outcome.outputs:
        assert urls.is_safe_output_path(out.path), out.path
        assert (OUT / out.path).resolve().is_relative_to(OUT.resolve()), out.path
        if out.path.endswith(".html"):
            pages[out.path] = out.data.decode("utf-8")
            assert unsafe_markup(pages[out.path]) == [], out.path
    for tag_path in (p for p in pages if "/tags/" in p and p.count("/") > 2):
        assert SLUG_PATTERN.match(tag_path.split("/")[2]), tag_path
    if outcome.outputs:
        for article in outcome.articles:
            page = pages[urls.output_file(article.path)]
            headline = re.search(r'<h1 class="article__title">(.*?)</h1>', page, re.DOTALL)
            assert headline and headline.group(1) == str(escape(article.title)), article.title
            assert f"<title>{escape(article.title)} · " in page


@SETTINGS
@given(articles())
def test_arbitrary_front_matter_and_markdown_keep_every_promise(files: dict[str, bytes]) -> None:
    check_properties(run_pipeline(files))


@SETTINGS
@given(raw_headers())
def test_arbitrary_header_text_keeps_every_promise(files: dict[str, bytes]) -> None:
    check_properties(run_pipeline(files))


def _typed(value: object) -> object:
    """`value` with the type of every part in it (so that `1`, `1.0` and `True` differ)."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT,
                         st.sampled_from(["yes", "No", "on", "~", "null", "0x1F", "0o17", "1_000", "1:30", ".inf",
                                          "-.Inf", "2024-11-27", "1e3", "+12", "'q'", "\\x01", "<<", "*a", "&a x"]))
YAML_VALUES = st.recursive(YAML_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(TEXT, YAML_VALUES, max_size=6), st.sampled_from([None, '"', "'", "|"]), st.booleans())
def test_plain_front_matter_is_constructed_as_pyyaml_does(fields: dict, style: str | None, flow: bool) -> None:
    """`content.plain_mapping` (the fast way to construct a plain front matter) gives what PyYAML's
    own constructors give, types included, whatever the values and however they are written."""
    text = yaml.safe_dump(fields, default_style=style, default_flow_style=flow, allow_unicode=True)
    made = content.plain_mapping(content._Loader(text), content._Loader(text).get_single_node())
    loader = content._Loader(text)
    assert made is not None and _typed(made) == _typed(loader.construct_document(loader.get_single_node()))


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: 1\na: 2\n", "<<: {a: 1}\nb: 2\n", "? [a]\n: 1\n",
                                  "1: one\n", "a: !!binary aGk=\n", "a: !!timestamp 2024-01-01\n", "a: !!set {x}\n",
                                  "- a\n", "a: !custom x\n", "a: !!python/name:os.system\n"])
def test_front_matter_that_is_not_plain_is_left_to_pyyaml(text: str) -> None:
    """Aliases, keys twice, merge keys, keys that are not text, tags: PyYAML checks and constructs them."""
    assert content.plain_mapping(content._Loader(text), content._Loader(text).get_single_node()) is None


YAML_PIECES = [*"ab1 \t\n-?:,[]{}!&*'\"#|>%@`", "- ", ": ", "? ", "!!str ", "!x ", "&a ", "*a", "!<tag:x> ", "\n  ",
               "Attention !", "R&D", "---", "..."]


def _has_property(text: str) -> bool:
    """Whether libyaml reads a tag or an anchor in `text` (False if it cannot read that far)."""
    try:
        return any(getattr(e, "tag", None) is not None or getattr(e, "anchor", None) is not None
                   for e in yaml.parse(text, Loader=content._Loader))
    except yaml.YAMLError:
        return False  # (up to the error: events before it were checked as they came)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=16).map("".join))
def test_every_tag_and_anchor_is_where_the_cheap_check_looks(text: str) -> None:
    """`content.NODE_PROPERTY` decides whether a header's events are read for tags and anchors: it
    must match every header in which libyaml finds one."""
    if _has_property(text):
        assert content.NODE_PROPERTY.search(text), text
