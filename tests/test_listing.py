"""Walking a tree from the last walk's listing (`output.listing`): the folders whose stat did not
change are not listed again, and the walk finds exactly what a fresh one finds."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder.output import listing
from site_builder.output.listing import walk_tree


def paths(found: list[tuple[str, os.stat_result]]) -> list[str]:
    return [rel for rel, _ in found]


def make_tree(root: Path) -> Path:
    for rel in ("index.html", "fr/index.html", "fr/2024/a/index.html", "fr/2024/b/index.html", "en/x.xml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel, encoding="utf-8")
    return root


def add(root: Path) -> None:
    (root / "fr/2024/c").mkdir()
    (root / "fr/2024/c/index.html").write_text("c", encoding="utf-8")


def remove(root: Path) -> None:
    (root / "fr/2024/a/index.html").unlink()


def rename(root: Path) -> None:
    (root / "en/x.xml").rename(root / "en/y.xml")


def folder_for_file(root: Path) -> None:
    (root / "index.html").unlink()
    (root / "index.html").mkdir()
    (root / "index.html/inner.txt").write_text("i", encoding="utf-8")


def link(root: Path) -> None:
    (root / "fr/2024/b/alias").symlink_to(root / "fr")


def empty_folder_filled(root: Path) -> None:
    (root / "fr/2024/empty/new.html").write_text("n", encoding="utf-8")


@pytest.mark.parametrize("change", [add, remove, rename, folder_for_file, link, empty_folder_filled])
def test_a_walk_from_the_last_listing_finds_what_a_fresh_walk_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    change: Callable[[Path], None]) -> None:
    root = make_tree(tmp_path / "out")
    (root / "fr/2024/empty").mkdir()
    monkeypatch.setattr(listing, "RACY_NS", -(10 ** 12))  # every folder trusted, however new
    _, known = walk_tree(str(root))
    assert all(trusted for _, _, trusted in known.values())
    time.sleep(0.05)  # past the clock's tick: the change gives the folders it touches another stat
    change(root)
    found, again = walk_tree(str(root), known)
    fresh, listed = walk_tree(str(root))
    assert paths(found) == paths(fresh)
    assert again == listed
    assert [st.st_ino for _, st in found] == [st.st_ino for _, st in fresh]


def test_unchanged_folders_are_not_listed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_tree(tmp_path / "out")
    monkeypatch.setattr(listing, "RACY_NS", -(10 ** 12))
    _, known = walk_tree(str(root))
    time.sleep(0.05)
    add(root)
    listed: list[str] = []
    scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: listed.append(str(path)) or scandir(path))
    walk_tree(str(root), known)
    assert sorted(listed) == [str(root) + "/fr/2024/", str(root) + "/fr/2024/c/"]


def test_a_folder_changed_just_before_its_stat_was_taken_is_listed_again(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "out")
    _, known = walk_tree(str(root))  # everything was just made: nothing is trusted
    assert not any(trusted for _, _, trusted in known.values())
    # A change within the same tick would leave the stat as it was: the names are not taken from the
    # listing all the same.
    stale = {rel: (stat, (), trusted) for rel, (stat, _, trusted) in known.items()}
    found, _ = walk_tree(str(root), stale)
    assert paths(found) == paths(walk_tree(str(root))[0])


@pytest.mark.parametrize("names", [("../../outside/",), ("fr/2024/a/index.html",), (".",), ("",), (7,), "fr/"])
def test_a_listing_that_is_not_as_a_walk_makes_it_is_not_followed(tmp_path: Path, names: object) -> None:
    root = make_tree(tmp_path / "site" / "out")
    (tmp_path / "site/outside").mkdir()
    (tmp_path / "site/outside/secret.txt").write_text("s", encoding="utf-8")
    _, known = walk_tree(str(root))
    stat, _, _ = known[""]
    forged = {**known, "": (stat, names, True)}
    found, _ = walk_tree(str(root), forged)  # type: ignore[arg-type]
    assert paths(found) == paths(walk_tree(str(root))[0])
    assert not any(".." in rel for rel in paths(found))


def test_a_damaged_listing_is_ignored(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "out")
    for damaged in ({"": None}, {"": (1, 2)}, {"": ((0, 0, 0, 0),)}, []):
        found, _ = walk_tree(str(root), damaged)  # type: ignore[arg-type]
        assert paths(found) == paths(walk_tree(str(root))[0])


def test_a_root_that_is_a_link_to_a_folder_is_walked_as_the_folder(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "out")
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    found, known = walk_tree(str(tmp_path / "link"))
    assert paths(found) == paths(walk_tree(str(root))[0])
    assert paths(walk_tree(str(tmp_path / "link"), known)[0]) == paths(found)
