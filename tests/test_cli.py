"""The command line: summary line, exit status, messages, and a real non-editable install."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from site_builder.cli import main
from tests.helpers import article, make_site

REPO = Path(__file__).resolve().parent.parent


def test_build_prints_one_summary_line(tmp_path: Path) -> None:
    # With a summary and a translation each, nothing is worth a warning (see test_check.py).
    make_site(tmp_path, {"content/articles/a.fr.md": article(summary="S"),
                         "content/articles/a.en.md": article(summary="S")})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--future"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Built 2 articles (1 fr, 1 en): ")


def test_bad_input_exits_1_with_path_line_messages_and_no_traceback(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": "---\ntitle: T\ndate: 2024-02-30\n---\n"})
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 1
    assert "content/articles/a.fr.md:3: `date` is `2024-02-30`, which is not a real date" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "public").exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": "---\ntitle: T\n---\n"})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--debug"])
    assert result.exit_code != 0 and result.exception is not None


def test_base_url_option_is_validated(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--base-url", "not a url"])
    assert result.exit_code == 1 and "`--base-url` must be an absolute http(s) URL" in result.output


def test_output_option_and_base_url(tmp_path: Path) -> None:
    make_site(tmp_path / "p", {"content/articles/a.fr.md": article()})
    result = CliRunner().invoke(main, ["build", str(tmp_path / "p"), "-o", str(tmp_path / "out"),
                                       "--base-url", "https://u.example/sub"])
    assert result.exit_code == 0, result.output
    assert 'href="/sub/assets/style.css"' in (tmp_path / "out/fr/index.html").read_text()


def test_works_from_a_plain_pip_install_outside_the_repository(tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(REPO)], check=True, cwd=tmp_path)
    project = make_site(tmp_path / "project", {"content/articles/a.fr.md": article("Installé")})
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-m", "site_builder", "build", "--future"], cwd=project, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Installé" in (project / "public/fr/2024/11/a/index.html").read_text()
    assert (project / "public/assets/style.css").exists()


def test_build_prints_twenty_warnings_then_says_how_many_more_check_lists(tmp_path: Path) -> None:
    # Each article lacks a translation (a warning) and a summary (a note): 25 warnings, 25 notes.
    make_site(tmp_path, {f"content/articles/a{i:02d}.fr.md": article(f"Titre {i}") for i in range(25)})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--future", "--no-search"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    assert len(warnings) == 20
    assert result.output.startswith("25 warnings: 25 articles without translation.\n")
    assert "… and 5 more warnings: `site-builder check` lists them all." in result.output
    assert "25 notes (25 articles without summary): `site-builder check --notes` lists them." in result.output
    checked = CliRunner().invoke(main, ["check", str(tmp_path), "--future"])
    assert sum(": warning: " in line for line in checked.output.splitlines()) == 25


def test_build_prints_every_dead_link_before_the_other_warnings(tmp_path: Path) -> None:
    # (issue 19: 5 of 55 dead links reached the log, after 15 missing summaries)
    files = {f"content/articles/a{i:02d}.fr.md": article(f"Titre {i}", summary="S") for i in range(25)}
    files |= {f"content/articles/z{i:02d}.fr.md": article(f"Mort {i}", body=f"[x](/fr/nope-{i}/)", summary="S")
              for i in range(30)}
    make_site(tmp_path, files)
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--future", "--no-search"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "85 warnings: 55 articles without translation, 30 dead links."
    dead = [n for n, line in enumerate(lines) if "which is not a page of the site" in line]
    others = [n for n, line in enumerate(lines) if "has no translation" in line]
    assert len(dead) == 30 and len(others) == 20 and max(dead) < min(others)
    assert "… and 35 more warnings" in result.output


def test_build_names_the_articles_it_held_back(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article(summary="S"),
                         "content/articles/a.en.md": article(summary="S"),
                         "content/articles/b.fr.md": article(draft="true"),
                         "content/articles/c.fr.md": article("Typo", date="2052-03-01")})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--no-search"])
    assert result.exit_code == 0, result.output
    assert ("Held back: 1 draft (`--drafts` builds it), 1 article dated in the future (`--future` builds it):\n"
            "content/articles/c.fr.md:3: note: is dated 2052-03-01, in the future: held back until then; "
            "`--future` builds it (or correct the date)\n") in result.output
    assert "Built 2 articles (1 fr, 1 en)" in result.output
    both = CliRunner().invoke(main, ["build", str(tmp_path), "--no-search", "--drafts", "--future"])
    assert "Held back" not in both.output and "Built 4 articles" in both.output


def test_a_project_folder_that_does_not_exist_is_an_error_not_an_empty_site(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-archive"
    result = CliRunner().invoke(main, ["build", str(missing)])
    assert result.exit_code == 1
    assert f"{missing}: no such project folder" in result.output
    checked = CliRunner().invoke(main, ["check", str(missing)])
    assert checked.exit_code == 1 and "no such project folder" in checked.output
    assert not missing.exists()


def test_commands_that_build_nothing_do_not_say_build_failed(tmp_path: Path) -> None:
    # (issue 19: `serve` on a busy port and `new` on an existing file ended with "Build failed")
    make_site(tmp_path, {"content/articles/a.fr.md": article()})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = CliRunner().invoke(main, ["serve", str(tmp_path), "--port", str(busy.getsockname()[1])])
    assert result.exit_code == 1
    assert "cannot listen on 127.0.0.1 port" in result.output and "Not serving: 1 error." in result.output
    assert "Build failed" not in result.output


def test_what_a_build_held_back_comes_after_the_serious_warnings_and_before_the_others(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article(summary="S", body="[x](/fr/nope/)"),
                         "content/articles/c.fr.md": article("Typo", date="2052-03-01")})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--no-search"])
    lines = result.output.splitlines()
    assert lines[0] == "2 warnings: 1 article without translation, 1 dead link."
    assert "links to /fr/nope/" in lines[1] and lines[2].startswith("Held back: 1 article dated in the future")
    assert "content/articles/c.fr.md:3: note: is dated 2052-03-01" in lines[3] and "has no translation" in lines[4]
