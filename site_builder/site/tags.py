"""The tag registry (`content/tags.toml`) and how written tags resolve to one `Tag` across languages."""

from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from site_builder import sources, typography
from site_builder.config import SiteConfig, _key_line, toml_reason
from site_builder.errors import ConfigError, Problem, did_you_mean
from site_builder.model import Article, Tag
from site_builder.slugs import make_slug

REGISTRY_FILE = Path("content") / "tags.toml"


@dataclass(frozen=True)
class TagRegistry:
    """Known tags with their label in each language; the way translated tags are linked."""

    labels: Mapping[str, Mapping[str, str]]
    """Registry key → language → label."""
    lookup: Mapping[str, str]
    """Slug of the key or of any of its labels → registry key."""
    descriptions: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """Registry key → language → what the topic covers (its optional `description` table)."""


EMPTY_REGISTRY = TagRegistry(MappingProxyType({}), MappingProxyType({}))


def load_tag_registry(config: SiteConfig) -> TagRegistry:
    """Read `content/tags.toml` (optional) and check it: known languages, no two tags alike."""
    rel = REGISTRY_FILE.as_posix()
    raw = sources.read_file(config.root, rel)
    if raw is None:
        return EMPTY_REGISTRY
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except ValueError as exc:  # not UTF-8, TOMLDecodeError, or an integer too long for Python to convert
        raise ConfigError([Problem(rel, None, f"cannot be read as UTF-8 TOML: {toml_reason(exc)}")]) from exc
    problems: list[Problem] = []
    labels: dict[str, dict[str, str]] = {}
    descriptions: dict[str, dict[str, str]] = {}
    lookup: dict[str, str] = {}
    for key, entry in data.items():
        line = _key_line(text, key)
        if not isinstance(entry, dict):
            problems.append(Problem(rel, line, f"`{key}` must be a table: [{key}] fr = \"…\" en = \"…\""))
            continue
        descriptions[key] = _descriptions(entry.pop("description", {}), key, config, rel, line, problems)
        for lang in sorted(set(entry) - set(config.language_codes)):
            problems.append(Problem(rel, _key_line(text, lang), f"[{key}] has a label for `{lang}`, which "
                                    f"is not a site language{did_you_mean(lang, config.language_codes)}"))
        labels[key] = {lang: str(v) for lang, v in entry.items() if lang in config.language_codes}
        for name in [key, *labels[key].values()]:
            slug = make_slug(name)
            if lookup.setdefault(slug, key) != key:
                problems.append(Problem(rel, line, f"[{key}] and [{lookup[slug]}] both claim the tag "
                                        f"`{name}`: merge them or rename one"))
    if problems:
        raise ConfigError(problems)
    return TagRegistry(MappingProxyType(labels), MappingProxyType(lookup),
                       MappingProxyType({k: MappingProxyType(v) for k, v in descriptions.items() if v}))


def _descriptions(raw: object, key: str, config: SiteConfig, rel: str, line: int | None,
                  problems: list[Problem]) -> dict[str, str]:
    """A tag's `description` table: a text per site language, set in that language's typography."""
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        problems.append(Problem(rel, line, f"[{key}] `description` must be a table of texts: "
                                f"description.fr = \"…\" description.en = \"…\""))
        return {}
    for lang in sorted(set(raw) - set(config.language_codes)):
        problems.append(Problem(rel, line, f"[{key}] has a description for `{lang}`, which is not a site "
                                f"language{did_you_mean(lang, config.language_codes)}"))
    return {lang: typography.text(text, lang) for lang, text in raw.items() if lang in config.language_codes}


def tag_key(label: str, registry: TagRegistry) -> str:
    """The identity of a written tag: its registry key when registered, else its slug."""
    slug = make_slug(label)
    return registry.lookup.get(slug, slug)


def resolve_tags(articles: Iterable[Article], registry: TagRegistry) -> dict[str, Tag]:
    """Every tag used by `articles`, with its label and slug in each language where it is used."""
    spellings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for article in articles:
        for label in article.tag_labels:
            spellings[(tag_key(label, registry), article.lang)][label] += 1
    langs_of: dict[str, dict[str, str]] = defaultdict(dict)
    for (key, lang), counter in sorted(spellings.items()):
        # The most used spelling wins; ties go to the first in sort order, so output is stable.
        langs_of[key][lang] = min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
    tags = {}
    for key, used in sorted(langs_of.items()):
        registered = key in registry.labels
        labels = {lang: registry.labels[key].get(lang, label) if registered else label
                  for lang, label in used.items()}
        slugs = {lang: make_slug(label) if registered else key for lang, label in labels.items()}
        shown = {lang: typography.text(label, lang) for lang, label in labels.items()}
        tags[key] = Tag(key, MappingProxyType(shown), MappingProxyType(slugs), registered,
                        registry.descriptions.get(key, MappingProxyType({})))
    return tags
