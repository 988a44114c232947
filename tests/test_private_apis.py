"""The private parts of libraries the builder relies on, named, and pinned in pyproject.toml to the
minor versions tested: a new minor version is a deliberate upgrade (`make lock`), checked here.

- Jinja2 `Environment._parse(source, name, filename)` (render/pages.py `_InliningEnvironment`):
  overridden to compile each plain `{% include %}` into the including template.
- MarkupSafe `_escape_inner(text)` (render/pages.py `escape`): its C escaping of a `str`,
  returning a `str`, without the cost of making `Markup`."""

from __future__ import annotations

import inspect
import tomllib
from importlib import metadata
from pathlib import Path

import jinja2
import markupsafe

from site_builder.render import pages

ROOT = Path(__file__).resolve().parents[1]
PINNED = {"jinja2": "3.1", "markupsafe": "3.0"}
"""The minor version of each library whose private API is used, as tested."""


def requirement(name: str) -> str:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return next(d for d in dependencies if d.lower().startswith(name))


def upper(minor: str) -> str:
    major, number = minor.split(".")
    return f"{major}.{int(number) + 1}"


def test_the_libraries_with_private_apis_are_pinned_to_the_minor_version_tested() -> None:
    for name, minor in PINNED.items():
        assert requirement(name).lower() == f"{name}>={minor},<{upper(minor)}", requirement(name)
        assert metadata.version(name).startswith(minor + "."), (name, metadata.version(name))


def test_jinja_environment_parse_is_what_the_inlining_environment_overrides() -> None:
    assert list(inspect.signature(jinja2.Environment._parse).parameters) == ["self", "source", "name", "filename"]
    assert "_parse" in vars(pages._InliningEnvironment)
    env = jinja2.Environment()
    assert isinstance(env._parse("{{ x }}", "t", None), jinja2.nodes.Template)


def test_markupsafe_escape_inner_is_what_escape_calls() -> None:
    assert pages._escape_text is markupsafe._escape_inner  # type: ignore[attr-defined]
    assert pages.escape("<a href='x'>&</a>") == str(markupsafe.escape("<a href='x'>&</a>"))
    assert type(pages.escape("<b>")) is str
