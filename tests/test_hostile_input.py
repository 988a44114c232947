"""Hostile input that must cost bounded time and memory, and links that must never be followed."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.content import Source
from site_builder.errors import ContentError, SiteError
from site_builder.markdown import MAX_HTML_DEPTH, MarkdownError, render_markdown
from site_builder.parse import parse_article
from tests.helpers import article, build_site, make_site

A = "content/articles/a.fr.md"
CORPUS = Path(__file__).parent / "fixtures" / "bad"
HANG_GUARD = 60
"""Seconds after which a test fails instead of hanging: far above what any of these takes (see the
figures in the README's "Security and reliability"), so it only ever catches a hang."""


@contextlib.contextmanager
def no_hang(seconds: int = HANG_GUARD) -> Iterator[None]:
    """Fail with TimeoutError rather than hang the suite if the block runs away."""
    def give_up(signum, frame):  # type: ignore[no-untyped-def]
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def config(tmp_path: Path) -> SiteConfig:
    from site_builder.config import load_config
    return load_config(tmp_path)


# --- Markdown and HTML -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["[" * 100_000 + "fond", "[" * 100_000 + "fond" + "](/x)" * 100_000,
                                  "*" * 100_000 + "fond"])
def test_100000_nested_brackets_render_without_crashing_or_losing_text(text: str) -> None:
    with no_hang():
        rendered = render_markdown(text)
    assert "fond" in rendered.html


@pytest.mark.parametrize("quotes", [">" * 100_000, "> " * 100_000, "> " * 20])
def test_quotes_nested_past_what_markdown_keeps_are_refused_not_silently_cut(tmp_path: Path, quotes: str) -> None:
    make_site(tmp_path, {A: article(body=f"Texte.\n\n{quotes} fond\n")})
    with no_hang(), pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert str(caught.value).startswith(f"{A}:8: quotes or lists are nested too deeply here for Markdown "
                                        "(at most 19 quotes or 9 lists), and the text inside")


def test_quotes_and_lists_nested_as_deep_as_markdown_keeps_lose_nothing() -> None:
    assert "fond" in render_markdown("> " * 19 + "fond").html
    assert "fond" in render_markdown("".join("  " * i + "- x\n" for i in range(8)) + "  " * 8 + "- fond\n").html


def test_raw_html_nested_past_the_limit_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(body="Texte.\n\n" + "<div>" * 100_000 + "fond")})
    with no_hang(), pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert str(caught.value) == (f"{A}:6: the body nests elements 100,000 levels deep (HTML tags or Markdown "
                                 f"emphasis), more than the {MAX_HTML_DEPTH} allowed: close its tags or simplify it")


def test_emphasis_nested_100000_deep_is_refused_cleanly() -> None:
    with no_hang(), pytest.raises(MarkdownError, match="50,000 levels deep"):
        render_markdown("*" * 100_000 + "fond" + "*" * 100_000)


def test_raw_html_nested_within_the_limit_is_kept() -> None:
    html = render_markdown("<div>" * MAX_HTML_DEPTH + "fond" + "</div>" * MAX_HTML_DEPTH).html
    assert html.count("<div>") == MAX_HTML_DEPTH


def test_many_identical_headings_get_distinct_ids() -> None:
    with no_hang():
        html = render_markdown("## Suite\n\n" * 20_000).html
    assert 'id="suite"' in html and 'id="suite-19999"' in html
    assert html.count(' id="') == len(set(html.split(' id="')[1:])) == 20_000


# --- size, YAML bombs --------------------------------------------------------------------------------

def test_20_mb_article_is_refused_by_size_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_site(tmp_path, {A: article()})
    with (tmp_path / A).open("ab") as file:
        file.write(b"Du texte. " * 2_000_000)
    read = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or original(self))
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    size = (tmp_path / A).stat().st_size
    assert str(caught.value) == (f"{A}: is {size:,} bytes, over the limit of 2,000,000 bytes: split it, "
                                 "or raise `max_article_bytes` in site.toml")
    assert "a.fr.md" not in read


def test_billion_laughs_is_refused_in_little_memory(tmp_path: Path) -> None:
    bomb = (CORPUS / "yaml-alias-bomb" / "a.fr.md").read_bytes()
    tracemalloc.start()
    try:
        with no_hang(), pytest.raises(ContentError, match="anchors and aliases"):
            parse_article(Source(A, bomb), config(tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak:,} bytes"


@pytest.mark.parametrize("shape", ["[" * 100_000 + "]" * 100_000, "{a: " * 100_000 + "}" * 100_000,
                                   "\n    " + "- " * 100_000 + "x"])
def test_front_matter_nested_100000_deep_is_refused_without_crashing(shape: str) -> None:
    # In a child process: libyaml used to overflow the C stack here, killing the whole interpreter.
    code = ("import sys; from site_builder.content import Source; from site_builder.parse import parse_article;"
            "from site_builder.config import parse_config; from site_builder.errors import ContentError\n"
            "text = '---\\ntitle: T\\ndate: 2024-01-01\\nextra:\\n  x: ' + sys.stdin.read() + '\\n---\\n'\n"
            "try: parse_article(Source('a.fr.md', text.encode()), parse_config({}, '.', None, ''))\n"
            "except ContentError as exc: print(exc)")
    result = subprocess.run([sys.executable, "-c", code], input=shape, capture_output=True, text=True,
                            timeout=HANG_GUARD)
    assert result.returncode == 0, result.stderr[-500:]
    assert "nests lists or mappings more than 32 levels deep" in result.stdout


# --- links ------------------------------------------------------------------------------------------

SECRET = "---\ntitle: Secret du voisin\ndate: 2024-11-27\n---\n\nSECRET-CONTENT\n"


def outside_and_inside(tmp_path: Path) -> Path:
    """A project, and beside it a folder of things that must never reach its output."""
    make_site(tmp_path / "outside", {"secret.fr.md": SECRET, "articles/secret.fr.md": SECRET,
                                     "secret.txt": "SECRET-CONTENT", "tags.toml": "[x]\nfr = 'SECRET-CONTENT'\n"})
    return make_site(tmp_path / "project", {A: article("Public")})


def output_text(project: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in (project / "public").rglob("*") if p.is_file())


def test_linked_article_outside_the_project_is_reported_and_never_published(tmp_path: Path) -> None:
    project = outside_and_inside(tmp_path)
    (project / "content/articles/leak.fr.md").symlink_to(tmp_path / "outside/secret.fr.md")
    with pytest.raises(SiteError) as caught:
        build_site(project)
    assert str(caught.value) == (f"content/articles/leak.fr.md: is a link to {tmp_path}/outside/secret.fr.md, "
                                 "outside the project; it is not followed: copy the files into the project, "
                                 "or remove the link")
    result = build_site(project, keep_going=True)
    assert len(result.problems) == 1
    assert "SECRET-CONTENT" not in output_text(project) and "Public" in output_text(project)


def test_linked_folder_is_reported_and_never_followed(tmp_path: Path) -> None:
    project = outside_and_inside(tmp_path)
    make_site(project, {"drafts/old.fr.md": article("Ancien")})
    (project / "content/articles/leak").symlink_to(tmp_path / "outside/articles", target_is_directory=True)
    (project / "content/articles/old").symlink_to(project / "drafts", target_is_directory=True)
    with pytest.raises(SiteError) as caught:
        build_site(project)
    assert [str(p) for p in caught.value.problems] == [
        f"content/articles/leak: is a link to {tmp_path}/outside/articles, outside the project; it is not followed: "
        "copy the files into the project, or remove the link",
        "content/articles/old: is a link to a folder; links to folders are not followed: move the folder into "
        "content/articles/ instead"]
    build_site(project, keep_going=True)
    assert "SECRET-CONTENT" not in output_text(project)


def test_linked_tag_registry_outside_the_project_is_refused(tmp_path: Path) -> None:
    project = outside_and_inside(tmp_path)
    (project / "content/tags.toml").symlink_to(tmp_path / "outside/tags.toml")
    with pytest.raises(SiteError) as caught:
        build_site(project)
    assert str(caught.value).startswith(f"content/tags.toml: is a link to {tmp_path}/outside/tags.toml, outside the "
                                        "project; it is not followed")


def test_links_in_static_are_never_copied(tmp_path: Path) -> None:
    project = outside_and_inside(tmp_path)
    make_site(project, {"static/files/notice.txt": "Public notice\n"})
    (project / "static/leak.txt").symlink_to(tmp_path / "outside/secret.txt")
    (project / "static/leak").symlink_to(tmp_path / "outside", target_is_directory=True)
    result = build_site(project, keep_going=True)  # (links out of the project are errors: see test_sources)
    assert [p.path for p in result.problems] == ["static/leak", "static/leak.txt"]
    assert (project / "public/files/notice.txt").exists()
    assert not (project / "public/leak.txt").exists() and not (project / "public/leak").exists()
    assert "SECRET-CONTENT" not in output_text(project)
