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
from click.testing import CliRunner

from site_builder.cli import main
from site_builder.config import SiteConfig
from site_builder.content.files import Source
from site_builder.content.markdown import MAX_HTML_DEPTH, MarkdownError, render_markdown
from site_builder.content.parse import MAX_TAGS_PER_ARTICLE, parse_article
from site_builder.errors import ContentError, SiteError
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


DEEP_SHAPES = ["[" * 100_000 + "]" * 100_000, "{a: " * 100_000 + "}" * 100_000, "\n    " + "- " * 100_000 + "x"]
# A YAML parser that refuses deep nesting itself, in its own words, before our depth count gets there
# (as libyaml does from PyYAML 6.0.4 on, at 1,000 levels): the writer must still get our message.
CAPPED_PARSER = """
import yaml
from site_builder.content import front_matter as content

class Capped(content._Loader):
    def check_event(self, *choices):
        raise yaml.parser.ParserError(None, None, "the library's own words about nesting", None)

content._Loader = Capped
"""


@pytest.mark.parametrize("parser", ["installed", "capped"])
@pytest.mark.parametrize("shape", DEEP_SHAPES, ids=["flow-lists", "flow-mappings", "block-lists"])
def test_front_matter_nested_100000_deep_is_refused_without_crashing(shape: str, parser: str) -> None:
    # In a child process: libyaml used to overflow the C stack here, killing the whole interpreter.
    code = ((CAPPED_PARSER if parser == "capped" else "") +
            "import sys; from site_builder.content.front_matter import Source;\n"
            "from site_builder.content.parse import parse_article;"
            "from site_builder.config import parse_config; from site_builder.errors import ContentError\n"
            "text = '---\\ntitle: T\\ndate: 2024-01-01\\nextra:\\n  x: ' + sys.stdin.read() + '\\n---\\n'\n"
            "try: parse_article(Source('a.fr.md', text.encode()), parse_config({}, '.', None, ''))\n"
            "except ContentError as exc: print(exc)\n"
            "else: print('accepted')")
    result = subprocess.run([sys.executable, "-c", code], input=shape, capture_output=True, text=True,
                            timeout=HANG_GUARD)
    assert result.returncode == 0, result.stderr[-500:]  # the process lived, with no traceback
    assert result.stderr == ""
    # refused, naming the file and the line where the nesting goes too deep, telling the writer what to do
    line = 6 if shape.startswith("\n") else 5
    assert result.stdout.startswith(f"a.fr.md:{line}: "), result.stdout[:300]
    assert "nest" in result.stdout and "flatten it" in result.stdout, result.stdout[:300]


def test_front_matter_nested_just_within_the_limit_is_read() -> None:
    fields = "extra:\n  x: " + "[" * 30 + "1" + "]" * 30 + "\n"  # with the header and `extra`: 32 levels
    text = f"---\ntitle: T\ndate: 2024-01-01\n{fields}---\n\nCorps.\n"
    parsed = parse_article(Source(A, text.encode()), config(Path(".")))
    value = parsed.extra["x"]
    for _ in range(29):
        [value] = value
    assert value == [1]


@pytest.mark.parametrize(("field", "line", "message"), [
    ("extra: {n: " + "1" * 5_000 + "}", 3, "a number of 5,000 characters, more than the 100 a number may have"),
    ("title: 0x" + "f" * 5_000, 2, "a number of 5,002 characters"),  # made, then unprintable
    ("title: 1" + ":30" * 2_000, 2, "a number of 6,001 characters"),  # sexagesimal: 1:30:30…
    ("extra: {n: 1." + "5" * 5_000 + "e+9999}", 3, "a number of 5,008 characters"),
    ("? " + "1" * 5_000 + "\n: x", 3, "a key of 5,000 characters, more than the 100 a key may have"),
    ("? " + "k" * 1_000_000 + "\n: x", 3, "a key of 1,000,000 characters"),
    ("extra: {when: !!timestamp 2024-01-01}", 3, "the YAML tag `!!timestamp` is not allowed"),
    ("extra: !!omap [a: 1]", 3, "the YAML tag `!!omap` is not allowed"),
    ("extra: !!pairs [a: 1]", 3, "the YAML tag `!!pairs` is not allowed"),
    ("extra: !local x", 3, "the YAML tag `!local` is not allowed"),
    ("extra: {lead: &a x}", 3, "YAML anchors and aliases (`&x`, `*x`) are not allowed in front matter"),
    ("title: *Urgent", 2, "YAML anchors and aliases (`&x`, `*x`) are not allowed in front matter"),
])
def test_hostile_scalars_tags_and_anchors_are_refused_where_they_are(tmp_path: Path, field: str, line: int,
                                                                     message: str) -> None:
    header = field if field.startswith("title") else f"title: T\n{field}"
    text = f"---\n{header}\ndate: 2024-11-27\n---\n\nDu texte.\n"
    with pytest.raises(ContentError) as caught:
        parse_article(Source(A, text.encode()), config(tmp_path))
    assert str(caught.value).startswith(f"{A}:{line}: {message}")
    assert len(str(caught.value)) < 300


def test_text_holding_bangs_ampersands_and_long_numbers_in_quotes_is_kept(tmp_path: Path) -> None:
    text = ("---\ntitle: Attention ! R&D, Ça & là *vraiment*\ndate: 2024-11-27\n"
            f"extra: {{n: '{'1' * 5_000}'}}\n---\n\nDu texte.\n")
    made = parse_article(Source(A, text.encode()), config(tmp_path))
    # (set in French typography: a narrow no-break space before the exclamation mark)
    assert made.title == "Attention\u202f! R&D, Ça & là *vraiment*" and made.extra["n"] == "1" * 5_000


def test_a_value_of_the_wrong_kind_is_shown_shortened(tmp_path: Path) -> None:
    text = "---\ntitle: [" + ", ".join(["1"] * 100_000) + "]\ndate: 2024-11-27\n---\n"
    with pytest.raises(ContentError) as caught:
        parse_article(Source(A, text.encode()), config(tmp_path))
    assert str(caught.value).startswith(f"{A}:2: `title` must be text, not `[1, 1, 1, 1, 1, 1, ...]`: put it in quotes")
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("command", [["build"], ["build", "--keep-going"], ["check"]])
def test_a_5000_digit_number_is_reported_without_a_traceback_by_every_command(tmp_path: Path,
                                                                           command: list[str]) -> None:
    make_site(tmp_path, {A: article(extra="{n: " + "1" * 5_000 + "}"), "content/articles/b.fr.md": article()})
    result = CliRunner().invoke(main, [*command, str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"{A}:4: a number of 5,000 characters, more than the 100 a number may have" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(("file", "message"), [
    ("site.toml", "site.toml: invalid TOML: a number has more than 4,300 digits: shorten it, or put it in quotes"),
    ("content/tags.toml", "content/tags.toml: cannot be read as UTF-8 TOML: a number has more than 4,300 digits"),
])
def test_a_5000_digit_number_in_a_toml_file_is_reported_without_a_traceback(tmp_path: Path, file: str,
                                                                         message: str) -> None:
    make_site(tmp_path, {A: article(), file: "n = " + "1" * 5_000 + "\n"})
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert str(caught.value).startswith(message)


# --- tags ---------------------------------------------------------------------------------------------

def tagged(count: int) -> str:
    return article(tags="[" + ", ".join(f"Sujet {i}" for i in range(count)) + "]")


def test_10000_tags_on_one_article_are_refused_before_any_page_is_made(tmp_path: Path) -> None:
    make_site(tmp_path, {A: tagged(10_000)})
    with no_hang(), pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert str(caught.value) == f"{A}:4: 10,000 tags: at most 50 per article; keep the ones readers look for"
    assert not (tmp_path / "public").exists()


def test_an_article_may_have_as_many_tags_as_the_limit(tmp_path: Path) -> None:
    make_site(tmp_path, {A: tagged(MAX_TAGS_PER_ARTICLE)})
    build_site(tmp_path, search=False)
    assert len(list((tmp_path / "public/fr/tags").glob("*/index.html"))) == MAX_TAGS_PER_ARTICLE


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
