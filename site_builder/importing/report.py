"""What `import hugo` did, as it prints it: articles per language, translations linked, shortcodes
converted, old addresses kept, files copied, and every thing it could not convert, `path:line`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from site_builder.errors import shown


@dataclass
class ImportReport:
    source: str
    project: str
    articles: Counter[str] = field(default_factory=Counter)
    """Articles written, per language."""
    pairs: int = 0
    """Translation groups of two languages or more."""
    shortcodes: Counter[str] = field(default_factory=Counter)
    aliases: int = 0
    """Old addresses kept as `aliases:` (each page's own Hugo address, and its Hugo aliases)."""
    categories: int = 0
    """Articles whose `categories` were merged into their tags."""
    static_files: int = 0
    bundle_files: int = 0
    site_toml: bool = False
    """True when `site.toml` was written (it was missing)."""
    kept: list[str] = field(default_factory=list)
    """Files that were there already and were left as they were."""
    dropped: Counter[str] = field(default_factory=Counter)
    """Hugo front-matter fields not carried over, with the number of files that had them."""
    notes: list[tuple[str, int | None, str]] = field(default_factory=list)
    """(Hugo file, line, what could not be converted, or was converted with a guess)."""
    unread: list[str] = field(default_factory=list)
    """Hugo articles that could not be read, so were not imported (the command exits 1)."""

    def note(self, path: str, line: int | None, message: str) -> None:
        if (path, line, message) not in self.notes:
            self.notes.append((path, line, message))

    def text(self) -> str:
        """The report, one fact a line; each problem as `path:line: message`."""
        per_lang = ", ".join(f"{n} {lang}" for lang, n in sorted(self.articles.items())) or "none"
        done = ", ".join(f"{name} {n}" for name, n in sorted(self.shortcodes.items())) or "none"
        lines = [
            f"Imported {sum(self.articles.values())} articles from {self.source} into {self.project} ({per_lang}).",
            f"Translations linked: {self.pairs} pair{'s' if self.pairs != 1 else ''} (by `translationKey` or by path).",
            f"Shortcodes converted: {done}.",
            f"Old addresses kept as `aliases:` (a redirect page each): {self.aliases}.",
            f"Categories merged into tags: in {self.categories} article{'s' if self.categories != 1 else ''}"
            " (site-builder has one kind of topic).",
            f"Files copied: {self.static_files} from static/, {self.bundle_files} from page bundles "
            "(into static/, beside each article's page).",
        ]
        if self.site_toml:
            lines.append("Wrote site.toml (title, languages, base_url from the Hugo configuration): check it.")
        if self.dropped:
            fields = ", ".join(f"`{key}` ({n})" for key, n in sorted(self.dropped.items()))
            lines.append(f"Front-matter fields not carried over: {fields}.")
        if self.kept:
            lines.append(f"Left as they were (already there, never overwritten): {len(self.kept)} file(s): "
                         + ", ".join(self.kept[:10]) + (" …" if len(self.kept) > 10 else ""))
        if self.notes:
            lines.append(f"Not converted, or converted with a guess ({len(self.notes)}):")
            lines += [f"  {path}:{line}: {message}" if line else f"  {path}: {message}"
                      for path, line, message in sorted(self.notes, key=lambda n: (n[0], n[1] or 0, n[2]))]
        else:
            lines.append("Everything was converted.")
        if self.unread:
            lines.append(f"{len(self.unread)} article(s) could not be read, so were not imported (listed above): "
                         "correct them in the Hugo site, then run the same command with --merge, which adds them "
                         "and leaves what is written now as it is.")
        lines.append("Next: `site-builder check` lists what the build will say; `site-builder build` builds.")
        return "\n".join(map(shown, lines))
