"""A deterministic synthetic bilingual corpus for the benchmark: N French/English article pairs.

    python benchmarks/corpus.py FOLDER [--pairs 300] [--seed 6]

writes a project (site.toml, content/tags.toml, content/articles/…) that `site-builder build FOLDER`
builds; `benchmarks/run.py` makes its corpora the same way.

Each article has about 700 words with headings, lists, links, quotes and emphasis, 1–4 tags out of
20 (registered in `content/tags.toml`) and a date spread over ten years. The same `pairs` and
`seed` always give the same bytes."""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

GENERATOR_VERSION = "1"
FIRST_DAY = datetime(2015, 1, 1, 6, 0)
DAYS = 3652  # ten years

TAGS = {  # registry key → (French label, English label)
    "defense": ("Défense", "Defence"), "europe": ("Europe", "Europe"),
    "economie": ("Économie", "Economy"), "sante": ("Santé", "Health"),
    "climat": ("Climat", "Climate"), "education": ("Éducation", "Education"),
    "justice": ("Justice", "Justice"), "culture": ("Culture", "Culture"),
    "sport": ("Sport", "Sport"), "science": ("Science", "Science"),
    "energie": ("Énergie", "Energy"), "agriculture": ("Agriculture", "Farming"),
    "numerique": ("Numérique", "Digital"), "transports": ("Transports", "Transport"),
    "logement": ("Logement", "Housing"), "immigration": ("Immigration", "Immigration"),
    "diplomatie": ("Diplomatie", "Diplomacy"), "elections": ("Élections", "Elections"),
    "travail": ("Travail", "Work"), "afrique": ("Afrique", "Africa"),
}

WORDS = {
    "fr": ("le gouvernement a annoncé mardi une réforme profonde du système de santé public après des "
           "mois de négociations difficiles avec les syndicats et les élus locaux qui demandaient plus "
           "de moyens pour les hôpitaux régionaux la ministre estime que les mesures prendront effet "
           "dès janvier prochain malgré les critiques de l'opposition selon plusieurs sources proches "
           "du dossier le budget prévu atteindrait trois milliards d'euros sur cinq ans une enveloppe "
           "jugée insuffisante par les associations de patients qui réclament un débat au parlement "
           "les experts interrogés soulignent toutefois que la situation financière reste fragile et "
           "que la croissance économique ralentit dans toute l'Europe depuis le début de l'année"),
    "en": ("the government announced on tuesday a sweeping reform of the public health system after "
           "months of difficult negotiations with unions and local officials who had asked for more "
           "resources for regional hospitals the minister believes the measures will take effect next "
           "january despite criticism from the opposition according to several sources close to the "
           "matter the planned budget would reach three billion euros over five years an amount that "
           "patient groups consider insufficient as they call for a debate in parliament experts "
           "interviewed nevertheless stress that the financial situation remains fragile and that "
           "economic growth has been slowing across Europe since the start of the year"),
}
HEADINGS = {
    "fr": ["Contexte", "Les réactions", "Ce que prévoit le texte", "Un calendrier serré", "Et maintenant ?"],
    "en": ["Background", "Reactions", "What the bill says", "A tight timetable", "What next?"],
}
AUTHORS = ["Claire Martin", "Yanis Benali", "Sophie Durand", "Marc Lefèvre", "Aïcha Diallo", "Tom Reed"]


@dataclass(frozen=True)
class Pair:
    """One article pair: the translation key, its date, tags and the file stem in each language."""

    index: int
    key: str
    published: datetime
    tags: tuple[str, ...]
    stems: dict[str, str]


def plan(pairs: int, seed: int = 6) -> list[Pair]:
    """The deterministic list of pairs: dates over ten years, 1–4 tags each."""
    rng = random.Random(seed)
    keys = sorted(TAGS)
    result = []
    for index in range(pairs):
        published = FIRST_DAY + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(12 * 60))
        tags = tuple(sorted(rng.sample(keys, rng.randint(1, 4))))
        stems = {"fr": f"article-{index:06d}-{_words(rng, 'fr', 3, slug=True)}",
                 "en": f"article-{index:06d}-{_words(rng, 'en', 3, slug=True)}"}
        result.append(Pair(index, f"pair-{index:06d}", published, tags, stems))
    return result


def article_path(pair: Pair, lang: str) -> str:
    """Where the pair's `lang` version lives, relative to the project."""
    return f"content/articles/{pair.published:%Y/%m}/{pair.stems[lang]}.{lang}.md"


def article_text(pair: Pair, lang: str, pairs: list[Pair], *, tags: tuple[str, ...] | None = None,
                 variant: int = 0) -> str:
    """The Markdown source of one article; `variant` changes one middle paragraph, `tags` the tags."""
    rng = random.Random(f"{pair.key}-{lang}")
    labels = [TAGS[key][0 if lang == "fr" else 1] for key in (tags if tags is not None else pair.tags)]
    title = _words(rng, lang, rng.randint(6, 11)).capitalize()
    header = [
        "---",
        f'title: "{title}"',
        f"date: {pair.published:%Y-%m-%dT%H:%M:00}",
        f"author: {rng.choice(AUTHORS)}",
        f"tags: [{', '.join(labels)}]",
        f"translation_key: {pair.key}",
    ]
    if rng.random() < 0.3:
        header.append(f'summary: "{_words(rng, lang, 25).capitalize()}."')
    header.append("---")
    return "\n".join(header) + "\n\n" + _body(rng, lang, pair, pairs, variant) + "\n"


def _body(rng: random.Random, lang: str, pair: Pair, pairs: list[Pair], variant: int) -> str:
    blocks = [_paragraph(rng, lang, pairs, 60)]
    for section in range(4):
        blocks.append(f"## {HEADINGS[lang][section]} {section + 1}")
        blocks.append(_paragraph(rng, lang, pairs, 60))
        if section == 1:
            blocks.append("\n".join(f"- {_words(rng, lang, rng.randint(5, 10))}" for _ in range(4)))
        if section == 2:
            blocks.append("> " + _words(rng, lang, 35).capitalize() + ".")
            blocks.append("\n".join(f"{n}. **{_words(rng, lang, 2)}** {_words(rng, lang, 8)}"
                                    for n in range(1, 4)))
        blocks.append(_paragraph(rng, lang, pairs, 60))
    if variant:
        blocks[3] = f"{blocks[3]} Correction {variant}."
    return "\n\n".join(blocks)


def _paragraph(rng: random.Random, lang: str, pairs: list[Pair], words: int) -> str:
    """About `words` words with emphasis, bold and one link (to another article or outside)."""
    if rng.random() < 0.5:
        other = pairs[rng.randrange(len(pairs))]
        link = f"[{_words(rng, lang, 3)}](/{lang}/{other.published:%Y/%m}/{_slug(other.stems[lang])}/)"
    else:
        link = f"[{_words(rng, lang, 2)}](https://example.org/{_words(rng, lang, 1, slug=True)})"
    parts = [_words(rng, lang, words // 3).capitalize(), f"*{_words(rng, lang, 3)}*",
             _words(rng, lang, words // 3 - 5), f"**{_words(rng, lang, 2)}**", link,
             _words(rng, lang, words // 3 - 3) + "."]
    return " ".join(parts)


def _words(rng: random.Random, lang: str, count: int, slug: bool = False) -> str:
    vocabulary = WORDS[lang].split()
    chosen = [rng.choice(vocabulary) for _ in range(max(count, 1))]
    return "-".join(_slug(w) for w in chosen) if slug else " ".join(chosen)


def _slug(text: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüç'", "aaaeeeeiioouuuc-")
    return text.lower().translate(table)


def registry_text() -> str:
    """`content/tags.toml` for the 20 tags."""
    return "".join(f'[{key}]\nfr = "{fr}"\nen = "{en}"\n\n' for key, (fr, en) in sorted(TAGS.items()))


SITE_TOML = """\
base_url = "https://archive.example/"
default_language = "fr"
timezone = "Europe/Paris"
"""


def generate(folder: Path, pairs: int, seed: int = 6) -> list[Pair]:
    """Write the corpus project into `folder` (reused when it is already there, complete)."""
    marker = folder / ".corpus"
    stamp = f"{GENERATOR_VERSION} {pairs} {seed}\n"
    planned = plan(pairs, seed)
    if marker.exists() and marker.read_text() == stamp:
        return planned
    if folder.exists():
        shutil.rmtree(folder)  # an older or partial corpus (see `main` for folders that are not one)
    (folder / "content").mkdir(parents=True)
    (folder / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    (folder / "content" / "tags.toml").write_text(registry_text(), encoding="utf-8")
    for pair in planned:
        for lang in ("fr", "en"):
            path = folder / article_path(pair, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(article_text(pair, lang, planned), encoding="utf-8")
    marker.write_text(stamp)
    return planned


def main(argv: list[str] | None = None) -> int:
    """The command line: write a corpus into a folder that is new, empty, or an earlier corpus."""
    parser = argparse.ArgumentParser(description="Write a synthetic bilingual news archive (a site-builder "
                                     "project) of PAIRS French/English article pairs into FOLDER.")
    parser.add_argument("folder", type=Path, help="where to write the project (new, empty, or an earlier corpus)")
    parser.add_argument("--pairs", type=int, default=300, help="article pairs (default: 300)")
    parser.add_argument("--seed", type=int, default=6, help="random seed; the same pairs and seed give the same bytes")
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    folder: Path = args.folder
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not (folder / ".corpus").exists())):
        print(f"{folder}: exists and is not a corpus made by this script: choose a new or empty folder "
              "(nothing was written)", file=sys.stderr)
        return 1
    generate(folder, args.pairs, args.seed)
    print(f"{folder}: {args.pairs} pairs ({2 * args.pairs} articles); build it with `site-builder build {folder}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
