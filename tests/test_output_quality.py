"""The demo site's output, checked as publishers check it: the Nu Html Checker, every internal
reference resolving to a file, reciprocal hreflang pairs, and nothing GitHub Pages refuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_builder.config import load_config
from tests.site_checks import is_web, local_file, page_url, parse_page, resolve

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"))


@pytest.fixture(scope="module")
def demo(demo_build: Callable[..., Path]) -> Path:
    """The demo archive as `make build` builds it."""
    return demo_build()


@pytest.fixture(scope="module")
def base_url() -> str:
    return load_config(ROOT).base_url


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def require_checker() -> list[str]:
    """The command that runs vnu.jar; skips (fails under CI) when Java or the jar is missing."""
    java = shutil.which("java")
    missing = [what for what, ok in (("java", java), (str(VNU_JAR), VNU_JAR.is_file())) if not ok]
    if missing:
        message = f"Nu Html Checker unavailable (missing {', '.join(missing)}): run `make setup` with npm and Java"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [str(java), "-jar", str(VNU_JAR)]


def test_every_page_and_stylesheet_passes_the_nu_html_checker(demo: Path) -> None:
    command = require_checker()
    files = [str(p) for p in html_files(demo)] + [str(p) for p in sorted(demo.rglob("*.css"))]
    result = subprocess.run([*command, "--errors-only", "--also-check-css", "--format", "json", *files],
                            capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    report = "\n".join(f"{m.get('url', '')}:{m.get('lastLine', '')}: {m.get('message')}" for m in messages)
    assert messages == [], report
    assert len(files) > 30  # the whole demo was checked, not an empty list


def test_every_internal_reference_resolves_to_a_file(demo: Path, base_url: str) -> None:
    broken = []
    checked = 0
    for path in html_files(demo):
        here = page_url(path, demo, base_url)
        page = parse_page(path.read_text(encoding="utf-8"))
        for ref in page.refs:
            url = resolve(here, ref.url)
            if not is_web(url):
                continue
            target = local_file(url, base_url, demo)
            if target is None:
                if urlsplit(url).netloc == urlsplit(base_url).netloc:
                    broken.append(f"{here}: <{ref.tag} {ref.attr}={ref.url}> leaves the site's base path")
                continue
            checked += 1
            if not target.is_file():
                broken.append(f"{here}: <{ref.tag} {ref.attr}={ref.url}> → no file {target.relative_to(demo)}")
            elif "#" in url and target.suffix == ".html":
                anchor = url.split("#", 1)[1]
                if anchor and anchor not in parse_page(target.read_text(encoding="utf-8")).ids:
                    broken.append(f"{here}: <{ref.tag} {ref.attr}={ref.url}> → no id `{anchor}` in the target")
    assert broken == []
    assert checked > 500


def alternates(path: Path) -> dict[str, str]:
    page = parse_page(path.read_text(encoding="utf-8"))
    return {ref.hreflang: ref.url for ref in page.refs
            if ref.tag == "link" and ref.rel == "alternate" and ref.hreflang}


def test_hreflang_alternates_exist_and_are_reciprocal(demo: Path, base_url: str) -> None:
    problems = []
    pages_with_alternates = 0
    for path in html_files(demo):
        links = alternates(path)
        if not links:
            continue
        pages_with_alternates += 1
        here = page_url(path, demo, base_url)
        if here not in links.values():
            problems.append(f"{here}: its alternates do not include itself")
        for lang, url in links.items():
            target = local_file(url, base_url, demo)
            if target is None or not target.is_file():
                problems.append(f"{here}: hreflang {lang} → {url} is not a page of the site")
            elif lang != "x-default" and alternates(target) != links:
                problems.append(f"{here}: hreflang {lang} → {url}, which lists {alternates(target)}")
    assert problems == []
    assert pages_with_alternates > 20


def test_every_page_offers_its_language_feed(demo: Path, base_url: str) -> None:
    for path in html_files(demo):
        page = parse_page(path.read_text(encoding="utf-8"))
        lang = path.relative_to(demo).parts[0] if path.relative_to(demo).parts[0] in ("fr", "en") else "fr"
        feeds = [r.url for r in page.refs if r.tag == "link" and r.rel == "alternate" and "feed.xml" in r.url]
        assert f"{urlsplit(base_url).path}{lang}/feed.xml" in feeds, path


def test_output_holds_no_links_of_any_kind(demo: Path) -> None:
    for path in demo.rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert path.stat().st_nlink == 1, f"{path} is hard-linked"
