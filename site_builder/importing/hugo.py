"""`site-builder import hugo SOURCE [PROJECT_DIR] [--merge]`: a Hugo site made a project.

read the Hugo config (`hugo_config`) → read its pages (`hugo_pages`) → plan each article (our
front matter: `mapping`; its file and address; its old addresses as aliases: `addresses`) →
write each one, its shortcodes converted (`convert`) and the files of its page bundle copied
beside its page → copy static/ → the report (`report`). Nothing is ever overwritten: a file that
is there already is left as it is, and named in the report."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from site_builder import urls
from site_builder.config import SiteConfig, load_config
from site_builder.content.files import ARTICLES_DIR, Source, find_sources
from site_builder.content.parse import parse_article
from site_builder.errors import ConfigError, ContentError, Problem
from site_builder.i18n import SUPPORTED_LANGUAGES
from site_builder.importing.addresses import hugo_aliases, page_address, usable
from site_builder.importing.convert import convert_body
from site_builder.importing.hugo_config import HugoConfig, read_hugo_config
from site_builder.importing.hugo_pages import EXTENSIONS, HugoPage, Skipped, hugo_pages
from site_builder.importing.mapping import Mapped, hugo_timezone, map_front_matter
from site_builder.importing.report import ImportReport
from site_builder.new import yaml_text
from site_builder.slugs import make_slug

log = logging.getLogger(__name__)

ORDER = ("title", "date", "updated", "author", "tags", "summary", "slug", "translation_key", "draft", "image")


@dataclass(frozen=True)
class ImportRequest:
    source: Path
    project: Path
    merge: bool = False
    """Add to a project that has articles already (never overwriting one)."""


@dataclass
class Planned:
    """One article to write."""

    page: HugoPage
    mapped: Mapped
    rel: str
    """Its file in the project (`content/articles/2024/11/slug.fr.md`)."""
    path: str
    """Its address on the new site (`fr/2024/11/slug/`)."""
    aliases: list[str]


def import_hugo(request: ImportRequest) -> ImportReport:
    """Write the project from the Hugo site; raise ConfigError (nothing written) if it cannot start."""
    hugo = read_hugo_config(request.source)
    check_target(request)
    report = ImportReport(str(request.source), str(request.project))
    request.project.mkdir(parents=True, exist_ok=True)
    report.site_toml = write_site_toml(request.project, hugo)
    config = load_config(request.project)
    planned = plan(hugo, config, report)
    refs = RefIndex(planned)
    written = [item for item in planned if write_article(item, refs, config, request.project, report)]
    copy_tree(request.source / "static", request.project / "static", report)
    groups: dict[object, set[str]] = defaultdict(set)
    for item in planned:
        groups[item.mapped.fields["translation_key"]].add(item.page.lang)
    new = {item.mapped.fields["translation_key"] for item in written}  # the groups this run wrote to
    report.pairs = sum(1 for key, langs in groups.items() if len(langs) > 1 and key in new)
    return report


def check_target(request: ImportRequest) -> None:
    """Refuse a project that has articles already (unless merging), and a source that is not a folder."""
    if not request.source.is_dir():
        raise ConfigError([Problem(str(request.source), None, "is not a folder: give the Hugo site's folder "
                                   "(the one with hugo.toml or config.toml)")])
    if request.project.is_dir() and not request.merge:
        found, _ = find_sources(request.project)
        if found:
            raise ConfigError([Problem(str(request.project), None, f"has {len(found)} article(s) already: import "
                                       "into a new folder, or pass --merge to add to them (no file is ever "
                                       "overwritten)")])


def write_site_toml(project: Path, hugo: HugoConfig) -> bool:
    """Write site.toml from the Hugo configuration when the project has none; True when written."""
    path = project / "site.toml"
    if path.exists():
        return False
    languages = [lang for lang in hugo.languages if lang.code in SUPPORTED_LANGUAGES]
    if not languages:
        found = ", ".join(lang.code for lang in hugo.languages)
        raise ConfigError([Problem(hugo.files[0] if hugo.files else str(hugo.root), None,
                                   f"the site's languages ({found}) are none of those site-builder has "
                                   f"interface strings for ({', '.join(SUPPORTED_LANGUAGES)})")])
    codes = [lang.code for lang in languages]
    default = hugo.default_language if hugo.default_language in codes else codes[0]
    lines = [f"# Written by `site-builder import hugo` from {', '.join(hugo.files) or 'the defaults'}: every key is",
             "# documented in README.md (\"Site configuration\").",
             f"default_language = {json.dumps(default)}"]
    if hugo.base_url.startswith(("http://", "https://")):
        lines.append(f"base_url = {json.dumps(hugo.base_url.rstrip('/') + '/')}")
    if hugo.timezone:
        lines.append(f"timezone = {json.dumps(hugo.timezone)}")
    for lang in languages:
        lines += ["", f"[languages.{lang.code}]"]
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}"
                  for key, value in (("title", lang.title), ("description", lang.description), ("locale", lang.locale))
                  if value]
    with path.open("x", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return True


def plan(hugo: HugoConfig, config: SiteConfig, report: ImportReport) -> list[Planned]:
    """Every article to write: its front matter, file, address and old addresses."""
    tz = hugo_timezone(hugo.timezone)
    planned: list[Planned] = []
    taken: set[str] = set()
    for page in hugo_pages(hugo):
        if isinstance(page, Skipped):
            report.note(page.rel, page.line, f"not imported: {page.reason}")
            if page.lost:
                report.unread.append(page.rel)
            continue
        if page.lang not in config.language_codes:
            report.note(page.rel, None, f"not imported: its language `{page.lang}` is not one of this site's "
                        f"({', '.join(config.language_codes)})")
            continue
        planned.append(_planned(page, map_front_matter(page, tz), hugo, config, taken, report))
    return planned


def _planned(page: HugoPage, mapped: Mapped, hugo: HugoConfig, config: SiteConfig, taken: set[str],
             report: ImportReport) -> Planned:
    moment = mapped.moment
    assert moment is not None
    local = config.local(moment) if isinstance(moment, datetime) else moment
    given = mapped.fields.get("slug")
    base = make_slug(str(given or page.name)) or make_slug(mapped.fields["title"]) or "article"
    slug, number = base, 1
    while urls.article(page.lang, _as_datetime(local), slug) in taken:
        number += 1
        slug = f"{base}-{number}"
    if slug != base or given:
        mapped.fields["slug"] = slug
    if slug != base:
        report.note(page.rel, None, f"another article has its address: its slug is `{slug}`")
    path = urls.article(page.lang, _as_datetime(local), slug)
    taken.add(path)
    old, notes = hugo_aliases(page, hugo)
    old.append(page_address(page, hugo, moment, str(given) if given else None))
    aliases, refused = usable(old, path)
    for message in [*(n for _, n in notes), *refused]:
        report.note(page.rel, page.lines.get("aliases"), message)
    rel = f"{ARTICLES_DIR.as_posix()}/{local.year:04d}/{local.month:02d}/{slug}.{page.lang}.md"
    return Planned(page, mapped, rel, path, aliases)


def _as_datetime(day: datetime | date) -> datetime:
    return day if isinstance(day, datetime) else datetime(day.year, day.month, day.day)


class RefIndex:
    """Where `ref` and `relref` targets are now: Hugo's content path (`posts/x.md`, `posts/x`, a
    bundle's folder, or the file name alone when no other has it) → each language's address."""

    def __init__(self, planned: list[Planned]):
        self.by_path: dict[str, dict[str, str]] = defaultdict(dict)
        by_name: dict[str, dict[str, str]] = defaultdict(dict)
        names: dict[str, set[str]] = defaultdict(set)
        for item in planned:
            self.by_path[item.page.path.lower()][item.page.lang] = item.path
            by_name[item.page.name.lower()][item.page.lang] = item.path
            names[item.page.name.lower()].add(item.page.path)
        self.by_name = {name: found for name, found in by_name.items() if len(names[name]) == 1}

    def resolve(self, target: str, lang: str | None, page: HugoPage) -> str | None:
        path, _, anchor = target.partition("#")
        folder = PurePosixPath(page.path).parent.as_posix()
        for candidate in (f"{folder}/{path}" if not path.startswith("/") else path, path):
            key = _normal(candidate)
            found = self.by_path.get(key) or self.by_name.get(key.rpartition("/")[2]) if key else None
            if found:
                address = found.get(lang or page.lang) or found.get(page.lang) or next(iter(found.values()))
                return f"/{address}" + (f"#{anchor}" if anchor else "")
        return None


def _normal(target: str) -> str:
    """A `ref` target as a content path: no leading `/`, extension, language suffix or `index`."""
    parts = [p for p in PurePosixPath(target.lower()).parts if p not in ("/", ".")]
    resolved: list[str] = []
    for part in parts:
        if part == "..":
            resolved = resolved[:-1]
        else:
            resolved.append(part)
    text = "/".join(resolved)
    for ext in EXTENSIONS:
        text = text.removesuffix(ext)
    stem, _, suffix = text.rpartition(".")
    text = stem if stem and suffix in SUPPORTED_LANGUAGES else text
    for index in ("/index", "/_index", "index"):
        text = text.removesuffix(index)
    return text.strip("/")


def write_article(item: Planned, refs: RefIndex, config: SiteConfig, project: Path, report: ImportReport) -> bool:
    """Write one article (never over a file), its shortcodes converted, its bundle's files copied;
    False when the file was there already (and is left as it was: the report counts nothing of it)."""
    page = item.page
    converted = convert_body(page.body, page.lang, lambda target, lang: refs.resolve(target, lang, page))
    if page.bundle is not None:
        copy_bundle(page.bundle, converted.body + " " + str(item.mapped.fields.get("image", "")),
                    project / "static" / item.path, report, page.rel.rpartition("/")[0])
    text = front_matter(item.mapped.fields, item.aliases) + "\n" + converted.body.rstrip("\n") + "\n"
    target = project / item.rel
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        report.kept.append(item.rel)
        return False
    report.articles[page.lang] += 1
    report.aliases += len(item.aliases)
    report.shortcodes.update(converted.converted)
    report.categories += item.mapped.categories > 0
    for key in item.mapped.dropped:
        report.dropped[key] += 1
    for line, message in [*item.mapped.notes, *((page.body_line + n, m) for n, m in converted.left)]:
        report.note(page.rel, line, message)
    try:
        parse_article(Source(item.rel, text.encode("utf-8")), config)
    except ContentError as exc:
        for problem in exc.problems:
            report.note(item.rel, problem.line, f"written, but the build will refuse it: {problem.message}")
    return True


def front_matter(fields: dict[str, object], aliases: list[str]) -> str:
    """Our front matter (README "Content format"), each value written as YAML reads it back."""
    lines = ["---"]
    for key in ORDER:
        value = fields.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{key}: [{', '.join(yaml_text(str(v)) for v in value)}]")
        elif key == "date" or key == "updated":
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {yaml_text(str(value))}")
    if aliases:
        lines.append("aliases:  # its old addresses: each one sends readers on to this article")
        lines += [f"  - {yaml_text(alias)}" for alias in aliases]
    if fields.get("extra"):
        lines.append(f"extra: {json.dumps(fields['extra'], ensure_ascii=False, sort_keys=True, default=str)}")
    return "\n".join([*lines, "---", ""])


def copy_bundle(bundle: Path, referenced: str, target: Path, report: ImportReport, shown_as: str) -> None:
    """The files of a page bundle that the article names, beside its page (static/<its address>)."""
    for file in sorted(p for p in bundle.rglob("*") if p.is_file() and p.suffix not in EXTENSIONS):
        rel = file.relative_to(bundle).as_posix()
        if rel not in referenced:
            report.note(f"{shown_as}/{rel}", None, "a file of the page bundle that no article of it names: not copied")
            continue
        if copy_file(file, target / rel, report):
            report.bundle_files += 1


def copy_tree(source: Path, target: Path, report: ImportReport) -> None:
    if not source.is_dir():
        return
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        if copy_file(file, target / file.relative_to(source), report):
            report.static_files += 1


def copy_file(source: Path, target: Path, report: ImportReport) -> bool:
    """Copy unless the target exists (the same bytes: nothing to do; others: kept and reported)."""
    if target.exists():
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            report.kept.append(os.path.relpath(target, report.project).replace(os.sep, "/"))
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True
