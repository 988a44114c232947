"""A short, bounded fuzz run of the front matter + Markdown pipeline, and the replay of every input
that ever crashed it (`tests/fixtures/fuzz-regressions/`, see its README.md).

The fuzzer mutates real articles (the bad-input corpus and the golden site) byte by byte: splices,
deletions, repetitions, random bytes. Only SiteError may come out. For a longer run:
`SITE_BUILDER_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pipeline import run_pipeline

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted({p.read_bytes() for p in (FIXTURES / "bad").rglob("*.md") if p.name != "README.md"}
               | {p.read_bytes() for p in (FIXTURES / "golden-site").rglob("*.md")})
REGRESSIONS = sorted(p for p in (FIXTURES / "fuzz-regressions").glob("*.md") if p.name != "README.md")
EXAMPLES = int(os.environ.get("SITE_BUILDER_FUZZ_EXAMPLES", "150"))
TOKENS = [b"---\n", b"\n", b": ", b"- ", b"[", b"]", b"{", b"}", b"&a ", b"*a", b"!!", b"'", b'"', b"\\x0",
          b"\xef\xbb\xbf", b"\r", b"\x00", b"\xff", b"<div>", b"> ", b"](javascript:", b"9999-12-31T23:59:59-12:00",
          b"0001-01-01T00:00:00+14:00", b"slug: ", b"tags: ", b"date: ", b"lang: ", b"+++\n"]


@st.composite
def mutated_article(draw: st.DrawFn) -> bytes:
    """A seed article with a few random edits."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["insert", "token", "delete", "repeat"]))
        if edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif edit == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 16))] * draw(st.integers(2, 40))
    return bytes(data)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_article(), st.sampled_from(["a.fr.md", "b.en.md", "c.md"]))
def test_fuzzed_articles_only_ever_raise_the_builders_own_errors(data: bytes, name: str) -> None:
    run_pipeline({f"content/articles/{name}": data})


def test_the_fuzzer_has_seeds_and_the_regressions_folder_is_not_empty() -> None:
    assert len(SEEDS) > 40 and REGRESSIONS


@pytest.mark.parametrize("case", REGRESSIONS, ids=lambda p: p.name)
def test_fuzz_regression_only_raises_the_builders_own_errors(case: Path) -> None:
    outcome = run_pipeline({f"content/articles/{case.name}": case.read_bytes()})
    assert outcome.errors or outcome.articles
