"""The workflows lint clean and match GitHub's schema; the Pages one installs the locked versions and
its build command builds the demo archive for a project-site URL; the weekly one tests the newest
versions the ranges allow."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from site_builder.options import CACHE_DIR
from site_builder.reuse.key import KEY_ENV

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github/workflows/pages.yml"
NEWEST = ROOT / ".github/workflows/newest-dependencies.yml"
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A linter installed by the `test` extra, beside this Python (or on PATH)."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.fail(f"`{name}` is not installed: run `make setup` (it comes with the `test` extra)")
    return found


def load(workflow: Path = WORKFLOW) -> dict:
    # PyYAML reads the bare key `on` as True; the workflow's triggers are under either.
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(data: dict, job: str) -> list[dict]:
    return data["jobs"][job]["steps"]


def test_both_workflows_are_there() -> None:
    assert WORKFLOW in WORKFLOWS and NEWEST in WORKFLOWS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    result = subprocess.run([tool("actionlint"), "-no-color", str(workflow)],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(workflow: Path) -> None:
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_runs_on_push_dispatch_and_daily() -> None:
    on = load()["on"]
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on
    [schedule] = on["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month, weekday) == ("*", "*", "*") and minute.isdigit() and hour.isdigit()


def test_workflow_has_minimal_permissions_and_one_deployment_at_a_time() -> None:
    data = load()
    assert data["permissions"] == {"contents": "read"}
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "permissions" not in data["jobs"]["build"]
    assert data["concurrency"]["group"]
    assert data["jobs"]["deploy"]["needs"] == "build"
    assert data["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_workflow_uses_the_pages_actions_in_order() -> None:
    data = load()
    used = [s["uses"].split("@")[0] for s in steps(data, "build") + steps(data, "deploy") if "uses" in s]
    assert used == ["actions/checkout", "actions/setup-python", "actions/configure-pages", "actions/cache",
                    "actions/upload-pages-artifact", "actions/deploy-pages"]


def test_the_builders_cache_is_kept_from_run_to_run_where_the_build_looks_for_it() -> None:
    data = load()
    [cache] = [s for s in steps(data, "build") if s.get("uses", "").startswith("actions/cache")]
    assert cache["with"]["path"] == CACHE_DIR
    # A new key each run (a cache entry is never updated), restoring the latest one.
    assert "${{ github.run_id }}" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])
    build_at = steps(data, "build").index(build_step(data))
    assert steps(data, "build").index(cache) < build_at


def test_the_restored_cache_is_trusted_only_under_the_repositorys_secret_key() -> None:
    """A cache restored from an earlier run is input: the build authenticates it with a key that
    only this repository's jobs hold (see site_builder/cache_key.py)."""
    step = build_step(load())
    assert step["env"][KEY_ENV] == f"${{{{ secrets.{KEY_ENV} }}}}"
    assert "each run makes a new key" in WORKFLOW.read_text(encoding="utf-8")


def build_step(data: dict) -> dict:
    [step] = [s for s in steps(data, "build") if "site-builder build" in s.get("run", "")]
    return step


def test_build_gets_its_base_url_from_configure_pages() -> None:
    data = load()
    pages_id = next(s["id"] for s in steps(data, "build") if s.get("uses", "").startswith("actions/configure-pages"))
    step = build_step(data)
    assert step["env"]["BASE_URL"] == f"${{{{ steps.{pages_id}.outputs.base_url }}}}"
    assert '--base-url "$BASE_URL/"' in step["run"]


def test_workflow_build_command_builds_the_demo_for_a_project_site(tmp_path: Path) -> None:
    data = load()
    command = shlex.split(build_step(data)["run"].replace("$BASE_URL", "https://example.github.io/archive"))
    assert command[:2] == ["site-builder", "build"]
    project = tmp_path / "repo"
    project.mkdir()
    for name in ("site.toml", "content", "templates"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    result = subprocess.run([sys.executable, "-m", "site_builder", *command[1:]], cwd=project,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    [upload] = [s for s in steps(data, "build") if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    site = project / upload["with"]["path"]
    assert (site / "index.html").is_file()
    assert 'href="/archive/assets/style.css"' in (site / "fr/index.html").read_text(encoding="utf-8")


def test_pages_installs_the_locked_versions_before_building() -> None:
    data = load()
    [install] = [s for s in steps(data, "build") if "uv sync" in s.get("run", "")]
    assert "--require-hashes -r tools/uv-requirements.txt" in install["run"]
    assert "uv sync --frozen" in install["run"]
    assert steps(data, "build").index(install) < steps(data, "build").index(build_step(data))


def test_newest_dependencies_run_weekly_on_a_relocked_environment() -> None:
    data = load(NEWEST)
    [schedule] = data["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit() and minute.isdigit() and hour.isdigit()
    assert "workflow_dispatch" in data["on"]
    assert data["permissions"] == {"contents": "read"}
    [job] = data["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    relock = next(i for i, run in enumerate(runs) if run.strip() == "make lock")
    suite = next(i for i, run in enumerate(runs) if run.strip() == "bash .ci/run")
    assert relock < suite
    assert not any("--frozen" in run for run in runs)
