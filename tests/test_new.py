"""`site-builder new`: the file it writes builds, a translation links to its original, nothing is
ever overwritten."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder.cli import main
from site_builder.errors import SiteError
from site_builder.new import NewArticle, new_article, parse_tags
from tests.helpers import article, build_site, make_site

# 23:30 UTC on 31 March is already 1 April in Paris: the site's time zone decides the folder.
MOMENT = datetime(2025, 3, 31, 23, 30, 5, 123456, tzinfo=UTC)


def create(project: Path, title: str, lang: str, **fields: object) -> Path:
    """`new` in `project`, made a project (a site.toml) if it is not one yet."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "site.toml").touch()
    return new_article(NewArticle(project=project, title=title, lang=lang, now=MOMENT, **fields))  # type: ignore[arg-type]


def test_new_writes_the_article_where_its_date_says_and_it_builds(tmp_path: Path) -> None:
    path = create(tmp_path, "Défense : l'Europe « réarme » #1", "fr", tags=("Ukraine", "Défense"))
    assert path == tmp_path / "content/articles/2025/04/defense-l-europe-rearme-1.fr.md"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Défense : l\'Europe « réarme » #1"' in text
    assert "date: 2025-04-01T01:30:05+02:00" in text  # now, in the site's time zone, to the second
    assert 'tags: ["Ukraine", "Défense"]' in text and "author:" in text
    build_site(tmp_path)
    page = (tmp_path / "public/fr/2025/04/defense-l-europe-rearme-1/index.html").read_text(encoding="utf-8")
    assert "Défense\u00a0: l’Europe «\u202fréarme\u202f» #1" in page  # (the page sets it in French typography)
    assert (tmp_path / "public/fr/tags/ukraine/index.html").exists()


def test_a_translation_gets_the_translation_key_and_the_pair_links_up(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/2024/11/deploiement-ukraine.fr.md":
                         article("Déploiement en Ukraine", tags="[Ukraine]")})
    original = tmp_path / "content/articles/2024/11/deploiement-ukraine.fr.md"
    path = create(tmp_path, "Deployment in Ukraine", "en", translation_of=original)
    text = path.read_text(encoding="utf-8")
    assert 'translation_key: "deploiement-ukraine"' in text
    assert 'tags: ["Ukraine"]' in text  # the original's tags when none are given
    build_site(tmp_path)
    french = (tmp_path / "public/fr/2024/11/deploiement-ukraine/index.html").read_text(encoding="utf-8")
    assert 'href="/en/2025/04/deployment-in-ukraine/"' in french
    english = (tmp_path / "public/en/2025/04/deployment-in-ukraine/index.html").read_text(encoding="utf-8")
    assert 'href="/fr/2024/11/deploiement-ukraine/"' in english


def test_translation_of_accepts_a_path_from_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rel = "content/articles/2024/a.fr.md"
    make_site(tmp_path / "site", {rel: article(translation_key="cle")})
    monkeypatch.chdir(tmp_path)
    path = create(Path("site"), "A", "en", translation_of=Path(rel))
    assert 'translation_key: "cle"' in path.read_text(encoding="utf-8")


def test_new_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    path = create(tmp_path, "Même titre", "fr")
    path.write_text("written by hand", encoding="utf-8")
    with pytest.raises(SiteError, match=r"content/articles/2025/04/meme-titre.fr.md: already exists"):
        create(tmp_path, "Même titre", "fr")
    assert path.read_text(encoding="utf-8") == "written by hand"


def test_a_language_the_site_does_not_have_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match=r"`--lang de` is not a language of this site: use one of fr, en"):
        create(tmp_path, "Titel", "de")
    assert not (tmp_path / "content").exists()


def test_a_title_without_letters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match=r"no letters or digits"):
        create(tmp_path, "???", "fr")


def test_a_translation_in_the_original_language_is_refused(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article()})
    with pytest.raises(SiteError, match=r"content/articles/a.fr.md: is already in `fr`"):
        create(tmp_path, "Autre", "fr", translation_of=tmp_path / "content/articles/a.fr.md")


def test_translation_of_a_file_outside_the_articles_is_refused(tmp_path: Path) -> None:
    make_site(tmp_path, {"notes.fr.md": article()})
    with pytest.raises(SiteError, match=r"is not an article of this project"):
        create(tmp_path, "Notes", "en", translation_of=tmp_path / "notes.fr.md")


def test_tags_option_is_split_on_commas() -> None:
    assert parse_tags("Ukraine, Défense ,, Europe de l'Est ") == ("Ukraine", "Défense", "Europe de l'Est")
    assert parse_tags("") == ()


def test_the_command_prints_the_path_it_created(tmp_path: Path) -> None:
    (tmp_path / "site.toml").touch()
    result = CliRunner().invoke(main, ["new", "Prix de l'électricité", "--lang", "fr", "--tags", "Énergie, France",
                                       str(tmp_path)])
    assert result.exit_code == 0, result.output
    created = Path(result.output.strip())
    assert created.is_file() and created.name == "prix-de-l-electricite.fr.md"
    assert created.parent.parent.parent == tmp_path / "content/articles"
    again = CliRunner().invoke(main, ["new", "Prix de l'électricité", "--lang", "fr", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert "No article created: 1 error." in again.output and "Build failed" not in again.output  # (issue 19)


def test_the_new_file_has_nothing_a_build_warns_about_but_its_missing_translation(tmp_path: Path) -> None:
    path = create(tmp_path, "Seul", "fr", tags=("Europe",))
    assert 'summary: ""' not in path.read_text(encoding="utf-8")  # (a placeholder summary warned at once)
    result = build_site(tmp_path)
    assert [w.kind for w in result.warnings] == ["article without translation"]
    assert [n.kind for n in result.notes] == ["article without summary"]


def test_new_finds_the_project_from_a_folder_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_site(tmp_path, {"site.toml": "", "content/articles/2024/a.fr.md": article()})
    monkeypatch.chdir(tmp_path / "content/articles/2024")
    result = CliRunner().invoke(main, ["new", "Depuis le dossier", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    created = Path(result.output.strip())
    assert created.is_relative_to(tmp_path / "content/articles/") and created.is_file()
    assert not (tmp_path / "content/articles/2024/content").exists()  # not content/content/articles/…
    monkeypatch.chdir(tmp_path / "content")  # a project without site.toml is found by its content/ too
    (tmp_path / "site.toml").unlink()
    path = new_article(NewArticle(project=Path("."), title="Encore", lang="fr", now=MOMENT))
    assert path.resolve() == tmp_path / "content/articles/2025/04/encore.fr.md"


def test_new_outside_a_project_is_refused_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes").mkdir()
    monkeypatch.chdir(tmp_path / "notes")
    result = CliRunner().invoke(main, ["new", "Perdu", "--lang", "fr"])
    assert result.exit_code == 1
    assert (f"{tmp_path / 'notes'}: is not in a site-builder project: neither it nor a folder above it has a "
            "site.toml or a content/ folder") in result.output
    assert list(tmp_path.rglob("*")) == [tmp_path / "notes"]
