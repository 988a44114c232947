"""The corpus of bad and hostile inputs (`tests/fixtures/bad/<case>/`, described in its README.md):
each case is built as a project, and either fails with the expected messages and writes nothing,
or builds a site that holds what `expected-output.txt` says and nothing unsafe, or builds with the
warnings `expected-warnings.txt` lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.errors import SiteError
from site_builder.options import CACHE_DIR
from tests.helpers import build_site, tree_digest
from tests.safety import unsafe_markup_in

CORPUS = Path(__file__).parent / "fixtures" / "bad"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
EXPECTATIONS = ("expected.txt", "expected-output.txt", "expected-warnings.txt")
CONTENT_SUFFIXES = {".html", ".xml", ".json", ".txt"}


def make_project(case: str, root: Path) -> Path:
    """Copy a case into `root`: `*.md` files beside its expectations go to content/articles/."""
    for item in sorted((CORPUS / case).iterdir()):
        if item.name in EXPECTATIONS:
            continue
        if item.is_dir():
            shutil.copytree(item, root / item.name, symlinks=True)
        elif item.suffix == ".md":
            (root / "content" / "articles").mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, root / "content" / "articles" / item.name)
        else:
            shutil.copy2(item, root / item.name)
    return root


def expectation_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_every_case_says_what_it_expects() -> None:
    for case in CASES:
        present = [name for name in EXPECTATIONS if (CORPUS / case / name).is_file()]
        assert len(present) == 1, f"{case}: needs exactly one of {EXPECTATIONS}, has {present}"
        assert expectation_lines(CORPUS / case / present[0]), f"{case}: {present[0]} is empty"


@pytest.mark.parametrize("case", CASES)
def test_bad_input_case(tmp_path: Path, case: str) -> None:
    project = make_project(case, tmp_path / "project")
    before = tree_digest(project)
    if (CORPUS / case / "expected.txt").is_file():
        check_failure(project, expectation_lines(CORPUS / case / "expected.txt"))
    elif (CORPUS / case / "expected-warnings.txt").is_file():
        check_warnings(project, expectation_lines(CORPUS / case / "expected-warnings.txt"))
    else:
        check_output(project, expectation_lines(CORPUS / case / "expected-output.txt"))
    after = {path: digest for path, digest in tree_digest(project).items()
             if not path.startswith(("public/", f"{CACHE_DIR}/"))}  # the output, and the cache it keeps
    assert after == before, "the build changed or created files in the project"


def check_failure(project: Path, fragments: list[str]) -> None:
    """The build fails, every expected fragment is in one reported problem, nothing is written."""
    with pytest.raises(SiteError) as caught:
        build_site(project)
    reported = [str(problem) for problem in caught.value.problems]
    for fragment in fragments:
        assert any(fragment in line for line in reported), f"{fragment!r} not in {reported}"
    assert not (project / "public").exists()
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".") and p.name != CACHE_DIR]
    assert leftovers == []  # no staging folder or journal (the cache is meant to stay)


def check_warnings(project: Path, fragments: list[str]) -> None:
    """The build succeeds, and every expected fragment is in one of its warnings (or notes)."""
    result = build_site(project)
    reported = [str(problem) for problem in (*result.warnings, *result.notes)]
    for fragment in fragments:
        assert any(fragment in line for line in reported), f"{fragment!r} not in {reported}"


def check_output(project: Path, directives: list[str]) -> None:
    """The build succeeds; `file:`, `contains:` and `absent:` lines hold; no page can run a script."""
    build_site(project)
    out = project / "public"
    # What content can reach: pages and data files, not the theme's or Pagefind's scripts and styles.
    texts = {p.relative_to(out).as_posix(): p.read_bytes().decode("utf-8", "replace")
             for p in out.rglob("*") if p.is_file() and p.suffix in CONTENT_SUFFIXES}
    for directive in directives:
        kind, _, rest = directive.partition(": ")
        if kind == "file":
            assert rest in texts, f"{rest} was not written"
        elif kind == "contains":
            path, _, text = rest.partition(": ")
            assert text in texts[path], f"{path} lacks {text!r}"
        elif kind == "absent":
            holders = [path for path, body in texts.items() if rest.lower() in body.lower()]
            assert not holders, f"{rest!r} found in {holders}"
        else:
            raise AssertionError(f"unknown directive {directive!r}")
    assert unsafe_markup_in(out) == {}
