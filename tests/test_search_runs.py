"""How Pagefind is run: one process per language, up to `--jobs` at the same time, with the same
index, and the same message when runs fail, as one after the other."""

from __future__ import annotations

import json
from pathlib import Path

import pagefind_bin
import pytest

from site_builder.errors import BuildError
from site_builder.output import pagefind
from tests.helpers import article, build_site, make_site

SITE = {
    "content/articles/2024/11/troupes.fr.md": article("Des troupes", body="Les soldats partent."),
    "content/articles/2024/11/meteo.fr.md": article("La météo", body="Il pleut."),
    "content/articles/2024/11/troops.en.md": article("Troops", body="The soldiers leave."),
}


def page_counts(bundle: Path) -> dict[str, int]:
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    return {lang: info["page_count"] for lang, info in entry["languages"].items()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_language_gets_its_bundle_whether_indexed_together_or_in_turn(tmp_path: Path, jobs: int) -> None:
    make_site(tmp_path, SITE)
    build_site(tmp_path, search=False)
    pagefind.index_site(tmp_path / "public", ["fr", "en"], tmp_path / "bundles", jobs=jobs)
    assert page_counts(tmp_path / "bundles/fr") == {"fr": 2}
    assert page_counts(tmp_path / "bundles/en") == {"en": 1}


def test_when_every_language_fails_the_first_ones_message_is_given(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    make_site(tmp_path / "project", SITE)
    binary = tmp_path / "fake-pagefind"
    binary.write_text("#!/bin/sh\nsleep 0.2; echo \"Error: no room for $6\" >&2; exit 1\n")
    binary.chmod(0o755)
    monkeypatch.setattr(pagefind_bin, "get_executable", lambda: binary)
    with pytest.raises(BuildError) as caught:
        build_site(tmp_path / "project", jobs=2)
    assert str(caught.value).startswith("search index: Pagefind failed indexing /fr/: Error: no room for /")
    assert str(caught.value).endswith("/pagefind/fr")
    assert not (tmp_path / "project/public").exists()
