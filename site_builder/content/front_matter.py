"""Front matter: split an article into its YAML header and its body, and load the header with line numbers."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

from site_builder.content.files import Source

log = logging.getLogger(__name__)

MAX_YAML_DEPTH = 32
"""Deepest nesting of lists and mappings allowed in front matter; libyaml crashes on very deep input."""
MAX_NUMBER_LENGTH = 100
"""Longest number allowed in front matter, in characters. Python refuses to convert an integer of
more than 4,300 digits (and a hexadecimal or `1:30:00` one of any size makes one it cannot print)."""
MAX_KEY_LENGTH = 100
"""Longest key allowed in front matter, in characters (keys are names such as `translation_key`)."""
NODE_PROPERTY = re.compile(r"(?:^|[-?:,\[{])[ \t]*[!&*]", re.MULTILINE)
"""Where a tag (`!x`), an anchor (`&x`) or an alias (`*x`) may be: at the start of a node, which only
follows a line's indentation, an indicator (`- `, `? `, `: `) or a flow's `[`, `{` or `,`. Text that
merely holds a `!` or `&` (`Attention !`, `R&D`) does not match."""
# Characters that XML 1.0 (feeds, sitemaps) cannot carry at all, and that no writer means to type.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML loader that leaves dates as text: we parse them ourselves, with clear messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YAML = frontmatter.YAMLHandler()


def decode(source: Source) -> str:
    """Source bytes as text: UTF-8 (a BOM is dropped), CRLF and CR line endings normalised, no
    control characters."""
    data = source.data[3:] if source.data.startswith(b"\xef\xbb\xbf") else source.data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FrontMatterError(f"not valid UTF-8 at byte {exc.start}: save the file as UTF-8", line) from exc
    if b"\r" in data:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL_CHARACTERS.search(text) if _may_hold_control_characters(data) else None
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise FrontMatterError(f"holds the control character {_codepoint(bad.group())} at column {column}, "
                               "which no page or feed can carry: delete it", line)
    return text


def _may_hold_control_characters(data: bytes) -> bool:
    """False when UTF-8 `data` holds none of CONTROL_CHARACTERS, found 5× faster than in the text: in
    UTF-8, each control character is a byte of its own (no other character's bytes are below 0x80),
    and U+FFFE and U+FFFF start with the bytes of the rare characters U+F000 to U+FFFF."""
    return b"\x00" in data.translate(_CONTROL_BYTES) or b"\xef\xbf" in data


_CONTROL_BYTES = bytes(0 if CONTROL_CHARACTERS.match(chr(byte)) else 1 for byte in range(256))
"""Each byte that is a control character in UTF-8 made 0, the others 1."""


def _codepoint(char: str | int) -> str:
    return f"U+{char if isinstance(char, int) else ord(char):04X}"


def _reader_line(header: str, exc: yaml.reader.ReaderError, first_line: int) -> int:
    """Line of a character libyaml refused; its position counts UTF-8 bytes, PyYAML's counts characters."""
    text = header.encode("utf-8") if isinstance(exc.character, int) else header
    return first_line + text[:exc.position].count(b"\n" if isinstance(text, bytes) else "\n")  # type: ignore[arg-type]


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
    """Load a YAML mapping safely; reject tags, anchors and aliases, duplicate keys, keys and numbers
    too long to be meant, and non-mappings, with lines.

    Returns the mapping, the line of each key, and the line of each item of every list value."""
    loader = _Loader(header)
    try:
        # Each list or mapping needs one of these characters at least: with no more of them than the
        # depth allowed, the header cannot nest too deep; with no NODE_PROPERTY, it holds no tag,
        # anchor or alias. Then the second parse is not needed.
        if sum(map(header.count, "-:?[{")) > MAX_YAML_DEPTH or NODE_PROPERTY.search(header):
            _check_events(header, first_line)
        node = loader.get_single_node()
        if node is None:
            return {}, {}, {}
        fields = plain_mapping(loader, node)
        if fields is None:  # anything else is checked, then constructed, by PyYAML
            _check_node(node, first_line)
            if not isinstance(node, yaml.MappingNode):
                raise FrontMatterError("the front matter must be a mapping of `key: value` lines, "
                                       f"not a {_node_kind(node)}", first_line + node.start_mark.line)
            fields = loader.construct_document(node)
        lines = {str(k.value): first_line + k.start_mark.line for k, _ in node.value}
        item_lines = {str(k.value): tuple(first_line + item.start_mark.line for item in v.value)
                      for k, v in node.value if isinstance(v, yaml.SequenceNode)}
        if "\\" in header or CONTROL_CHARACTERS.search(header):  # only an escape can make one
            _check_strings(fields, lines, first_line)
    except yaml.constructor.ConstructorError as exc:
        # Safe loading refuses `!!python/…` and other tags: nothing is ever constructed or run.
        tag = re.search(r"'(tag:yaml\.org,2002:[^']*|![^']*)'", exc.problem or "")
        line = first_line + exc.problem_mark.line if exc.problem_mark else first_line
        message = (f"the YAML tag `{tag.group(1).replace('tag:yaml.org,2002:', '!!')}` is not allowed"
                   if tag else f"invalid YAML in the front matter: {exc.problem}")
        raise FrontMatterError(f"{message}: front matter holds only text, numbers, true/false, lists "
                               "and mappings", line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = first_line + mark.line if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        start = exc.context_mark
        if exc.problem and exc.context and start and mark and start.line != mark.line:
            # libyaml stops where it gave up; say where the unfinished construct began too.
            problem += f" ({exc.context} that starts at line {first_line + start.line}, column {start.column + 1})"
        if mark and "mapping values are not allowed" in problem:
            problem += _quote_hint(header.split("\n")[mark.line] if mark.line < header.count("\n") + 1 else "")
        raise FrontMatterError(f"invalid YAML in the front matter{column}: {problem}", where) from None
    except yaml.reader.ReaderError as exc:
        raise FrontMatterError(f"invalid YAML in the front matter: {exc.reason} "
                               f"({_codepoint(exc.character)})", _reader_line(header, exc, first_line)) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML in the front matter: {exc}", first_line) from None
    finally:
        loader.dispose()
    return fields, lines, item_lines


def plain_mapping(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any] | None:
    """The mapping PyYAML would construct from `node`, made directly when the front matter is plain
    (nearly always): text keys, each once and short, whose values are text, numbers (not too long
    to convert), true/false/null, and lists and mappings of them, no node twice (an alias). None
    for anything else. PyYAML's own
    constructors build the generic way (a generator per list or mapping, merge keys looked for):
    this takes 23 µs of the 75 µs that loading a front matter takes. A test compares the two."""
    if type(node) is not yaml.MappingNode or node.tag != _MAP_TAG:
        return None
    try:
        return _plain(loader, node, set())  # type: ignore[no-any-return]
    except _NotPlain:
        return None


class _NotPlain(Exception):
    pass


def _plain(loader: yaml.SafeLoader, node: yaml.Node, seen: set[int]) -> Any:
    if id(node) in seen:
        raise _NotPlain
    seen.add(id(node))
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag == _STR_TAG:
            return node.value
        construct = _SCALAR_CONSTRUCTORS.get(tag)
        if construct is None or (tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_LENGTH):
            raise _NotPlain
        return construct(loader, node)
    if kind is yaml.SequenceNode and tag == _SEQ_TAG:
        return [_plain(loader, item, seen) for item in node.value]
    if kind is yaml.MappingNode and tag == _MAP_TAG:
        mapping = {}
        for key, value in node.value:
            if (type(key) is not yaml.ScalarNode or key.tag != _STR_TAG or key.value in mapping or id(key) in seen
                    or len(key.value) > MAX_KEY_LENGTH):
                raise _NotPlain
            seen.add(id(key))
            mapping[key.value] = _plain(loader, value, seen)
        return mapping
    raise _NotPlain


_STR_TAG, _SEQ_TAG, _MAP_TAG = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map"))
_SCALAR_CONSTRUCTORS = {tag: yaml.SafeLoader.yaml_constructors[tag]
                        for tag in (f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float"))}
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


def _check_events(header: str, first_line: int) -> None:
    """Refuse YAML tags, anchors and aliases, and lists and mappings nested deeper than MAX_YAML_DEPTH,
    reading events lazily: a hostile header is refused at its first offending event, long before
    libyaml could crash on it or an alias bomb could grow.

    The parser may refuse a deep header itself before our count gets there: libyaml (in PyYAML's
    wheels from 6.0.4) scans far ahead and stops at 1,000 levels, in its own words. Then the
    pure-Python parser, which reads lazily and has no cap of its own, decides: what we refuse is
    refused with our message, whatever PyYAML says; any other error is left for the full load."""
    try:
        _refuse_events(header, first_line, _Loader)
    except yaml.YAMLError:
        if _Loader is yaml.SafeLoader:
            return
        try:
            _refuse_events(header, first_line, yaml.SafeLoader)
        except yaml.YAMLError:
            return


def _refuse_events(header: str, first_line: int, loader: type) -> None:
    depth = 0
    for event in yaml.parse(header, Loader=loader):
        line = first_line + (event.start_mark.line if event.start_mark else 0)
        tag: str | None = getattr(event, "tag", None)
        if tag is not None:
            raise FrontMatterError(f"the YAML tag `{_shown_tag(tag)}` is not allowed: front matter holds only "
                                   "text, numbers, true/false, lists and mappings, written without tags: remove "
                                   "it, and write text in quotes (`title: \"2024\"`, `title: \"!\"`)", line)
        if getattr(event, "anchor", None) is not None:  # (an alias event's anchor is the name it uses)
            raise FrontMatterError("YAML anchors and aliases (`&x`, `*x`) are not allowed in front matter: "
                                   "write each value out in full (text that starts with `&` or `*` goes "
                                   "in quotes)", line)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise FrontMatterError(f"the front matter nests lists or mappings more than "
                                       f"{MAX_YAML_DEPTH} levels deep: flatten it", line)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _quote_hint(line: str) -> str:
    """What to do about a value that holds `: ` (`title: Covid : la France reconfine`, as French
    typography writes it): put it in quotes, shown on the line itself."""
    key, colon, value = line.partition(":")
    if not colon or not key.strip() or not value.strip():
        return ": a value that holds `: ` must be in quotes"
    quoted = json.dumps(value.strip(), ensure_ascii=False)  # (JSON's string syntax is valid YAML)
    return f": a value that holds `: ` must be in quotes: `{key.rstrip()}: {quoted}`"


def _shown_tag(tag: str) -> str:
    """A tag as written: `!!str` rather than `tag:yaml.org,2002:str`, at most 80 characters."""
    shown = tag.replace("tag:yaml.org,2002:", "!!", 1)
    return shown if len(shown) <= 80 else shown[:79] + "…"


def _check_strings(fields: dict[str, Any], lines: dict[str, int], first_line: int) -> None:
    """Refuse control characters written as YAML escapes (`"\\x01"`): pages and feeds cannot carry them."""
    for key, value in fields.items():
        stack = [key, value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str) and (bad := CONTROL_CHARACTERS.search(item)):
                raise FrontMatterError(f"`{key}` holds the control character {_codepoint(bad.group())}, "
                                       "which no page or feed can carry: delete it",
                                       lines.get(str(key), first_line))


def _check_node(node: yaml.Node, first_line: int) -> None:
    """Refuse anchors/aliases (alias bombs), duplicate keys, and keys and numbers too long to be
    meant (or for Python to convert), before anything is constructed."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        line = first_line + current.start_mark.line
        if id(current) in seen:
            raise FrontMatterError("YAML anchors and aliases (`&x`, `*x`) are not allowed in front matter", line)
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    _check_key(key, keys, first_line)
                    keys.add(key.value)
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif current.tag in _NUMBER_TAGS and len(current.value) > MAX_NUMBER_LENGTH:
            raise FrontMatterError(f"a number of {len(current.value):,} characters, more than the "
                                   f"{MAX_NUMBER_LENGTH} a number may have in front matter: if it is text, "
                                   "put it in quotes", line)


def _check_key(key: yaml.ScalarNode, keys: set[str], first_line: int) -> None:
    """Refuse a key met before in its mapping, or too long to be a key."""
    line = first_line + key.start_mark.line
    if len(key.value) > MAX_KEY_LENGTH:
        raise FrontMatterError(f"a key of {len(key.value):,} characters, more than the {MAX_KEY_LENGTH} a "
                               "key may have in front matter: keys are names such as `title`; put long text "
                               "in a value (`key: text`)", line)
    if key.value in keys:
        raise FrontMatterError(f"duplicate key `{key.value}`: keep only one", line)


def _node_kind(node: yaml.Node) -> str:
    return {yaml.SequenceNode: "list", yaml.ScalarNode: "single value"}.get(type(node), "value")
