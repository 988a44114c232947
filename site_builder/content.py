"""Reading articles: find the source files, split and load their YAML front matter with line numbers."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from site_builder.errors import Problem

log = logging.getLogger(__name__)

ARTICLES_DIR = Path("content") / "articles"


@dataclass(frozen=True)
class Source:
    """One article file as read from disk."""

    rel: str
    """Path relative to the project, POSIX style: how the file is named in every message."""
    data: bytes


@dataclass(frozen=True)
class FrontMatter:
    """An article's header, loaded but not yet validated."""

    fields: dict[str, Any]
    lines: dict[str, int]
    """Line (1-based, in the file) of each top-level key, for messages."""
    item_lines: dict[str, tuple[int, ...]]
    """Line of each item of every top-level list (`corrections:` → one line per correction)."""
    body: str
    body_line: int
    """Line of the file on which the Markdown body starts."""


class FrontMatterError(Exception):
    """The header cannot be read at all; carries the line when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def load_sources(root: Path) -> tuple[list[Source], list[Problem]]:
    """Read every `content/articles/**/*.md`, sorted by path; never follow links out of the project."""
    top = root / ARTICLES_DIR
    sources: list[Source] = []
    problems: list[Problem] = []
    if not top.is_dir():
        return sources, problems
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".md") or name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() and not path.resolve().is_relative_to(real_root):
                problems.append(Problem(rel, None, "is a link to a file outside the project; "
                                        "it is not followed: copy the article into content/ instead"))
                continue
            try:
                sources.append(Source(rel, path.read_bytes()))
            except OSError as exc:
                problems.append(Problem(rel, None, f"cannot be read: {exc.strerror}"))
    return sources, problems


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML loader that leaves dates as text: we parse them ourselves, with clear messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YAML = frontmatter.YAMLHandler()


def decode(source: Source) -> str:
    """Source bytes as text: UTF-8 (a BOM is dropped), CRLF and CR line endings normalised."""
    data = source.data[3:] if source.data.startswith(b"\xef\xbb\xbf") else source.data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FrontMatterError(f"not valid UTF-8 at byte {exc.start}: save the file as UTF-8", line) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> FrontMatter:
    """Split `---` YAML front matter from the body and load it, keeping each key's line."""
    leading = len(text) - len(text.lstrip("\n"))
    stripped = text[leading:]
    if stripped.startswith("+++"):
        raise FrontMatterError("TOML front matter (`+++`) is not supported: use YAML between `---` lines", 1 + leading)
    if not _YAML.detect(stripped):
        raise FrontMatterError("no front matter: the file must start with a `---` line, then "
                               "`title:` and `date:`, then a closing `---` line", 1)
    try:
        header, body = _YAML.split(stripped)
    except ValueError:
        raise FrontMatterError("the front matter is never closed: add a `---` line after its last field",
                               1 + leading) from None
    opening = _YAML.FM_BOUNDARY.search(stripped)
    assert opening is not None  # detect() matched it
    # Line of the header's first character (python-frontmatter keeps the opening line's end in it).
    first_line = 1 + leading + stripped.count("\n", 0, opening.end())
    body_start = len(stripped) - len(body.lstrip("\n"))
    body_line = 1 + leading + stripped.count("\n", 0, body_start)
    fields, lines, item_lines = load_yaml_mapping(header, first_line)
    return FrontMatter(fields, lines, item_lines, body.lstrip("\n"), body_line)


Lines = dict[str, int]
ItemLines = dict[str, tuple[int, ...]]


def load_yaml_mapping(header: str, first_line: int) -> tuple[dict[str, Any], Lines, ItemLines]:
    """Load a YAML mapping safely; reject aliases, duplicate keys and non-mappings, with lines.

    Returns the mapping, the line of each key, and the line of each item of every list value."""
    loader = _Loader(header)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}, {}
        _check_node(node, first_line)
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError("the front matter must be a mapping of `key: value` lines, "
                                   f"not a {_node_kind(node)}", first_line + node.start_mark.line)
        lines = {str(k.value): first_line + k.start_mark.line for k, _ in node.value}
        item_lines = {str(k.value): tuple(first_line + item.start_mark.line for item in v.value)
                      for k, v in node.value if isinstance(v, yaml.SequenceNode)}
        fields = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(f"invalid YAML in the front matter{column}: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML in the front matter: {exc}", first_line) from None
    finally:
        loader.dispose()
    return fields, lines, item_lines


def _check_node(node: yaml.Node, first_line: int) -> None:
    """Refuse anchors/aliases (alias bombs) and duplicate keys before anything is constructed."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            raise FrontMatterError("YAML anchors and aliases (`&x`, `*x`) are not allowed in front matter",
                                   first_line + current.start_mark.line)
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        raise FrontMatterError(f"duplicate key `{key.value}`: keep only one",
                                               first_line + key.start_mark.line)
                    keys.add(key.value)
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _node_kind(node: yaml.Node) -> str:
    return {yaml.SequenceNode: "list", yaml.ScalarNode: "single value"}.get(type(node), "value")
