"""Writing the site: into a staging folder beside the output, then swapped in whole.

A failed or interrupted build therefore leaves the previous output exactly as it was."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from site_builder.errors import BuildError, ConfigError, Problem
from site_builder.render import OutputFile

log = logging.getLogger(__name__)

PROTECTED_FOLDERS = ("content", "templates", "static", "site_builder", "tests", ".git")


def check_output_dir(out_dir: Path, project: Path) -> None:
    """Refuse an output folder whose replacement would delete the project or its sources."""
    out, root = out_dir.resolve(), project.resolve()
    if out == root or root.is_relative_to(out):
        raise ConfigError(f"the output folder {out_dir} is the project folder or holds it; building there "
                          "would delete your sources: choose a folder such as `public`")
    for name in PROTECTED_FOLDERS:
        if out.is_relative_to(root / name):
            raise ConfigError(f"the output folder {out_dir} is inside the project's `{name}/`: "
                              "choose a folder such as `public`")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"the output folder {out_dir} exists and is not a folder")


def write_stage(outputs: Iterable[OutputFile], out_dir: Path) -> Path:
    """Write every file into a new staging folder next to `out_dir`; return it."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        made: set[Path] = {stage}
        for out in outputs:
            target = stage / out.path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(out.data)
    except OSError as exc:
        discard(stage)
        raise BuildError([Problem(str(out_dir), None, f"cannot write the site: {exc.strerror} "
                                  f"({exc.filename})")]) from exc
    except BaseException:
        discard(stage)
        raise
    return stage


def publish(stage: Path, out_dir: Path) -> None:
    """Swap the staging folder in place of `out_dir`; the old output is removed afterwards."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.rename(out_dir, old / "site")
    try:
        os.rename(stage, out_dir)
    except OSError:
        if old is not None:  # put the previous site back before reporting
            os.rename(old / "site", out_dir)
            discard(old)
        raise
    if old is not None:
        discard(old)


def discard(folder: Path) -> None:
    """Remove a staging or old-output folder, quietly if it is already gone."""
    shutil.rmtree(folder, ignore_errors=True)
