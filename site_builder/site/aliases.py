"""Old addresses (`aliases:`): each one's page must be the only file at its address. A clash with a
real page, or with another article's alias, is an error naming both files, found before anything
is written (and before `check.check_outputs` would call it a mere output conflict)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from site_builder import urls
from site_builder.errors import ContentError, Problem
from site_builder.model import Article, OutputFile


def check_aliases(articles: Iterable[Article], outputs: Sequence[OutputFile]) -> None:
    """Raise ContentError for every alias whose address another page or alias already has."""
    problems = alias_clashes(articles, outputs)
    if problems:
        raise ContentError(problems)


def alias_clashes(articles: Iterable[Article], outputs: Sequence[OutputFile]) -> list[Problem]:
    """Every alias that is the address of a real page, of its own article, or of another article's alias."""
    claims: dict[str, Article] = {}
    problems: list[Problem] = []
    with_aliases = [a for a in articles if a.aliases]
    if not with_aliases:
        return []
    for article in with_aliases:
        line = article.lines.get("aliases")
        for path in article.aliases:
            key = urls.output_file(path).casefold()
            if path == article.path:
                problems.append(Problem(article.source, line, f"the alias /{path} is the article's own address: "
                                        "remove it from `aliases`"))
            elif (other := claims.setdefault(key, article)) is not article:
                problems.append(Problem(article.source, line, f"the alias /{path} is also an alias of "
                                        f"{other.source}: keep it in one article's `aliases` only"))
    claimed = {(key, article.source) for key, article in claims.items()}
    for out in outputs:
        key = out.path.casefold()
        owner = claims.get(key)
        if owner is not None and (key, out.source) not in claimed:
            problems.append(Problem(owner.source, owner.lines.get("aliases"),
                                    f"the alias /{_alias_of(owner, key)} is the address of a page of the site, "
                                    f"made from {out.source}: remove the alias, or give that page another address"))
    return problems


def _alias_of(article: Article, key: str) -> str:
    return next(path for path in article.aliases if urls.output_file(path).casefold() == key)
