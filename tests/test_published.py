"""The published-address manifest (`published.txt`), and the warning about Hugo shortcodes left as
text in a body."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.build import BuildOptions, check_site
from site_builder.errors import WARNING, ContentError
from site_builder.site.published import MANIFEST_FILE
from tests.helpers import NOW, article, build_site, make_site

OLD = "/fr/2024/11/ancien/"


def project(root: Path, **fields: str) -> Path:
    return make_site(root, {
        "content/articles/ancien.fr.md": article("Un article", summary="Résumé.", **fields),
        "content/articles/other.en.md": article("Another", summary="Summary.", translation_key="ancien"),
    })


def manifest_lines(root: Path) -> list[str]:
    return [line for line in (root / MANIFEST_FILE).read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]


def vanished(problems: object) -> list[str]:
    return [str(p) for p in problems if p.path == MANIFEST_FILE]  # type: ignore[attr-defined]


def test_the_first_build_records_every_article_address_and_alias(tmp_path: Path) -> None:
    root = project(tmp_path, aliases="[/2019/05/vieux/, /vieux.html]")
    build_site(root, search=False)
    assert manifest_lines(root) == [
        "/2019/05/vieux/ content/articles/ancien.fr.md",
        "/en/2024/11/other/ content/articles/other.en.md",
        "/fr/2024/11/ancien/ content/articles/ancien.fr.md",
        "/vieux.html content/articles/ancien.fr.md",
    ]
    first = (root / MANIFEST_FILE).read_bytes()
    build_site(root, search=False, cache=False)
    assert (root / MANIFEST_FILE).read_bytes() == first  # the same site, the same bytes


def test_an_address_that_disappears_is_a_warning_until_an_alias_takes_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    build_site(root, search=False)
    project(tmp_path, slug="a-nouveau")  # the article moves
    result = build_site(root, search=False)
    assert vanished(result.warnings) == [  # (the line of the file as the build rewrote it)
        f"{MANIFEST_FILE}:6: warning: {OLD} was published (the page of content/articles/ancien.fr.md) and no "
        "longer is: links to it would break; add it to the `aliases` of content/articles/ancien.fr.md, now at "
        "/fr/2024/11/a-nouveau/, or delete this line if it is gone for good"]
    assert manifest_lines(root)[1:3] == ["/fr/2024/11/a-nouveau/ content/articles/ancien.fr.md",
                                         "/fr/2024/11/ancien/ content/articles/ancien.fr.md"]  # line 6: kept
    with pytest.raises(ContentError, match="no longer is.*an error under --strict"):
        build_site(root, search=False, strict=True)
    assert any(OLD in str(p) and p.severity == WARNING
               for p in check_site(BuildOptions(project=root, now=NOW)))
    project(tmp_path, slug="a-nouveau", aliases=f"[{OLD}]")
    assert vanished(build_site(root, search=False).warnings) == []


def test_deleting_the_line_acknowledges_a_removal(tmp_path: Path) -> None:
    root = project(tmp_path)
    build_site(root, search=False)
    (root / "content/articles/ancien.fr.md").unlink()
    assert len(vanished(build_site(root, search=False).warnings)) == 1
    manifest = root / MANIFEST_FILE
    manifest.write_text("".join(line + "\n" for line in manifest.read_text().splitlines() if OLD not in line))
    assert vanished(build_site(root, search=False).warnings) == []  # (the last build does not stand)
    assert OLD not in manifest.read_text()


@pytest.mark.parametrize("options", [{"drafts": True}, {"future": True}])
def test_a_build_that_shows_more_than_is_published_does_not_record_it(tmp_path: Path,
                                                                       options: dict[str, bool]) -> None:
    root = make_site(tmp_path, {"content/articles/a.fr.md": article(draft="true"),
                                "content/articles/b.fr.md": article("Plus tard", date="2030-01-01")})
    build_site(root, search=False, **options)
    assert not (root / MANIFEST_FILE).exists()
    build_site(root, search=False)
    assert manifest_lines(root) == []


def test_the_preview_does_not_record_what_it_shows(tmp_path: Path) -> None:
    from site_builder.preview.session import Session
    root = project(tmp_path)
    Session().build(BuildOptions(project=root, output=tmp_path / "preview", search=False, now=NOW))
    assert not (root / MANIFEST_FILE).exists()


def test_a_line_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / MANIFEST_FILE).write_text("# comment\nfr/2024/11/x/ a.md\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"published.txt:2: `fr/2024/11/x/` is not an address from the site's root"):
        build_site(root, search=False)


def test_a_shortcode_left_in_a_body_is_a_warning_with_its_line(tmp_path: Path) -> None:
    body = ("Texte.\n\n{{< figure src=\"a.jpg\" >}}\n\nEt `{{< pas ceci >}}`.\n\n```\n{{% ni ceci %}}\n```\n\n"
            "{{% note %}}\nLa note.\n{{% /note %}}\n")
    root = make_site(tmp_path, {"content/articles/a.fr.md": article(body=body, summary="Résumé.")})
    found = [str(p) for p in build_site(root, search=False).warnings if "shortcode" in p.message]
    assert found == [
        "content/articles/a.fr.md:9: warning: the Hugo shortcode `{{< figure src=\"a.jpg\" >}}` is published as "
        "text: write it as Markdown or HTML (`site-builder import hugo` converts the common ones), or put it in "
        "`code` if it is meant to be shown",
        "content/articles/a.fr.md:17: warning: the Hugo shortcode `{{% note %}}` is published as text: write it as "
        "Markdown or HTML (`site-builder import hugo` converts the common ones), or put it in `code` if it is "
        "meant to be shown",
    ]


def test_a_manifest_that_cannot_be_written_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from site_builder.errors import BuildError

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    root = project(tmp_path)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(BuildError, match=r"published.txt: cannot be written \(Permission denied\): the site was built"):
        build_site(root, search=False)
