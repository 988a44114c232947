"""A Hugo site's pages, read: where each one is, its language, its front matter (YAML `---`, TOML
`+++` or JSON `{…}`, keys lower-cased as Hugo reads them), its body and the line the body starts on,
its page bundle, and how it is linked to its translations.

Hugo's two layouts are both read: one content folder for every language, each file's language in
its name (`name.fr.md`, or the default language without a suffix); or a content folder per
language (`contentDir`). Translations share a `translationKey`, or else the same path in the
content folder (`posts/x.fr.md` and `posts/x.en.md`; `fr/posts/x.md` and `en/posts/x.md`)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from site_builder.content.front_matter import FrontMatterError, load_yaml_mapping
from site_builder.importing.hugo_config import HugoConfig, lower_keys

EXTENSIONS = (".md", ".markdown")
TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=", re.MULTILINE)


@dataclass(frozen=True)
class HugoPage:
    rel: str
    """Path of the file in the Hugo site (`content/posts/x.fr.md`): how the report names it."""
    lang: str
    path: str
    """Path inside its content folder, without language suffix nor extension (`posts/x`; a
    bundle's folder: `posts/trip`): what Hugo links translations by."""
    fields: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int
    bundle: Path | None
    """The folder of a leaf bundle (`index.md` and its files), or None."""

    @property
    def name(self) -> str:
        """The file's (or the bundle's) own name: `x` for `posts/x.fr.md`."""
        return PurePosixPath(self.path).name

    @property
    def section(self) -> str:
        parts = PurePosixPath(self.path).parts
        return parts[0] if len(parts) > 1 else ""

    @property
    def translation_key(self) -> str:
        key = self.fields.get("translationkey")
        return str(key).strip() if isinstance(key, (str, int)) and str(key).strip() else self.path


@dataclass(frozen=True)
class Skipped:
    rel: str
    line: int | None
    reason: str
    lost: bool = False
    """An article that could not be read (not a page site-builder makes by itself)."""


def hugo_pages(config: HugoConfig) -> Iterator[HugoPage | Skipped]:
    """Every content file of the site, read (or why it is not imported), in path order."""
    folders: dict[str, list[str]] = {}
    for language in config.languages:
        folders.setdefault(language.content_dir, []).append(language.code)
    codes = {language.code for language in config.languages}
    for folder, langs in sorted(folders.items()):
        base = config.root / folder
        if not base.is_dir():
            continue
        for file in sorted(p for p in base.rglob("*") if p.is_file() and p.suffix in EXTENSIONS):
            inner = file.relative_to(base).as_posix()
            if any(part.startswith(".") for part in PurePosixPath(inner).parts):
                continue
            lang, stem = _language(file.name, langs if len(langs) == 1 else None, codes, config.default_language)
            yield read_page(config.root, file, inner, lang, stem)


def _language(name: str, own: list[str] | None, codes: set[str], default: str) -> tuple[str, str]:
    """(language, name without suffix or extension) of a content file."""
    stem = name.rsplit(".", 1)[0]
    first, _, suffix = stem.rpartition(".")
    if first and suffix.lower() in codes:
        return (own[0] if own else suffix.lower()), first
    return (own[0] if own else default), stem


def read_page(root: Path, file: Path, inner: str, lang: str, stem: str) -> HugoPage | Skipped:
    rel = file.relative_to(root).as_posix()
    if stem == "_index":
        return Skipped(rel, None, "a section's list page (`_index`): site-builder makes its own lists")
    try:
        text = file.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        fields, lines, body, body_line = split(text)
    except UnicodeDecodeError:
        return Skipped(rel, None, "not UTF-8: save it as UTF-8", lost=True)
    except FrontMatterError as exc:
        return Skipped(rel, exc.line, f"its front matter cannot be read: {exc}", lost=True)
    folder = PurePosixPath(inner).parent
    bundle = file.parent if stem == "index" else None
    path = folder.as_posix() if bundle is not None else (folder / stem).as_posix()
    return HugoPage(rel, lang, path.removeprefix("./"), fields, lines, body, body_line, bundle)


def split(text: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """(fields, line of each key, body, line the body starts on) of a Hugo content file."""
    if text.startswith("---"):
        header, body, first = _between(text, "---")
        fields, lines, _ = load_yaml_mapping(header, first)
    elif text.startswith("+++"):
        header, body, first = _between(text, "+++")
        try:
            fields = tomllib.loads(header)
        except tomllib.TOMLDecodeError as exc:
            raise FrontMatterError(f"invalid TOML: {exc}", first) from None
        lines = {m.group(1): first + header.count("\n", 0, m.start()) for m in TOML_KEY.finditer(header)}
    elif text.lstrip().startswith("{"):
        try:
            fields, end = json.JSONDecoder().raw_decode(text.lstrip())
        except ValueError as exc:
            raise FrontMatterError(f"invalid JSON: {exc}", 1) from None
        end += len(text) - len(text.lstrip())
        header, body = text[:end], text[end:]
        lines = {key: 1 + header.count("\n", 0, max(header.find(f'"{key}"'), 0)) for key in fields}
        first = 1
    else:
        return {}, {}, text, 1
    if not isinstance(fields, dict):
        raise FrontMatterError("the front matter is not a mapping of keys and values", first)
    body_start = len(text) - len(body)
    stripped = body.lstrip("\n")
    body_line = 1 + text.count("\n", 0, body_start + len(body) - len(stripped))
    lines = {key.lower(): line for key, line in lines.items()}
    return lower_keys(fields), lines, stripped, body_line


def _between(text: str, fence: str) -> tuple[str, str, int]:
    """(header, body, line of the header's first line) of front matter between `fence` lines."""
    match = re.compile(rf"^{re.escape(fence)}[ \t]*$", re.MULTILINE)
    opening = match.match(text)
    closing = match.search(text, opening.end()) if opening else None
    if opening is None or closing is None:
        raise FrontMatterError(f"the front matter is never closed: add a `{fence}` line after it", 1)
    return text[opening.end() + 1:closing.start()], text[closing.end():].removeprefix("\n"), 2
