"""What a build reuses of the pages the last one rendered: a page is rendered again only when its
key changed. The key digests the page's whole read-only view with the templates, the config and
the code (for a planned page, only its inputs: see `_key_parts`), so a page that any edit reaches
(an article, its translation's links, its tag and year pages, the home pages) is rendered again,
and no other. What remains is rendered in `jobs` worker processes."""

from __future__ import annotations

import io
import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import is_dataclass
from functools import partial
from pathlib import Path

import jinja2

from site_builder import memo, urls
from site_builder.config import SiteConfig
from site_builder.model import OutputFile
from site_builder.options import Progress, no_progress
from site_builder.output.state import KeptFile, OutputState, stage_file
from site_builder.render import pages as rendering
from site_builder.render import plans
from site_builder.render.pages import THEME_DIR, make_environment
from site_builder.reuse.fingerprints import code_fingerprint, config_fingerprint, digest, folder_fingerprint
from site_builder.reuse.workers import map_in_workers

log = logging.getLogger(__name__)


class _Memory:
    """The pages the last build of this process planned, with their keys, for the next one (the
    preview server's): unchanged articles give back the same page objects (see
    `plans.article_page`); other pages are compared field by field."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[plans.AnyPage, str, str]] = {}
        """Page path → (page, context, key)."""

    def clear(self) -> None:
        self.pages = {}

    def __len__(self) -> int:
        return len(self.pages)


MEMORY = memo.remembered("site_builder.reuse.pages.MEMORY", _Memory())


def environment(project: Path, config: SiteConfig) -> tuple[jinja2.Environment, str]:
    """The Jinja environment (compiled once per process and set of templates) and the pages' context key."""
    templates = folder_fingerprint((project, "templates"), (THEME_DIR, "templates"))
    return _environment(project.resolve(), templates), digest(code_fingerprint(), config_fingerprint(config), templates)


@memo.memoized(maxsize=4)
def _environment(project: Path, templates: str) -> jinja2.Environment:
    env = make_environment(project)
    env.auto_reload = False  # a change of templates changes `templates`, hence the environment
    return env


class ReusingRenderer:
    """Renders the pages whose key changed (in `jobs` processes); keeps the others as they are on disk."""

    def __init__(self, state: OutputState | None, context: str, jobs: int, stage: Path | None = None,
                 progress: Progress = no_progress):
        self.state = state
        self.progress = progress
        """Told of each page rendered: ("render", done, to do)."""
        self.context = context
        self.jobs = jobs
        self.stage = stage
        """The staging folder of a first build: pages are written there as they are rendered."""
        self.keys: dict[str, str] = {}
        """Output path → key of the page written there."""
        self.rendered = 0

    def __call__(self, env: jinja2.Environment, pages: list[plans.AnyPage],
                 meanwhile: Callable[[], None] = lambda: None) -> list[OutputFile]:
        outputs: list[OutputFile | None] = [None] * len(pages)
        todo: list[int] = []
        for index, page in enumerate(pages):
            path = urls.output_file(page.path)
            record = self.state.current(path) if self.state else None
            if self.state is None or record is None or not record.key:
                todo.append(index)  # to be rendered whatever its key: a worker takes the key too
                continue
            key = self.keys[path] = self.page_key(page)
            if key == record.key:
                outputs[index] = KeptFile(self.state.folder, path, page.source)
            else:
                todo.append(index)
        done = map_in_workers(partial(_render_with_key, env=env, renderer=self), [pages[i] for i in todo], self.jobs,
                              meanwhile)
        for count, (index, (output, key)) in enumerate(zip(todo, done, strict=True), start=1):
            outputs[index] = output
            self.keys[output.path] = key
            self.progress("render", count, len(todo))
        MEMORY.pages = {page.path: (page, self.context, self.keys[urls.output_file(page.path)]) for page in pages}
        self.rendered += len(todo)
        return outputs  # type: ignore[return-value]

    def page_key(self, page: plans.AnyPage) -> str:
        """Digest of everything the page's template sees; '' (never reused) if it cannot be taken."""
        last = MEMORY.pages.get(page.path)
        if last is not None and last[1] == self.context and (last[0] is page or last[0] == page):
            return last[2]
        return page_key(self.context, page)


def page_key(context: str, page: plans.AnyPage) -> str:
    """Digest of everything the page's template sees, in the pages' `context` (templates, config,
    code); '' (never reused) if it cannot be taken."""
    try:
        return digest(context, *_key_parts(page))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        log.debug("page %s has no key: it is always rendered", page.path, exc_info=True)
        return ""


def _key_parts(page: plans.AnyPage) -> tuple[str | bytes, ...]:
    """What a page's key digests: its whole view; for a planned page (an article's, a list's), only
    its inputs, and of each article only its fingerprint and what `assemble` added that the page
    shows, when every article has a fingerprint."""
    if isinstance(page, plans.ArticlePage):
        article, own_labels = page.inputs
        if article.fingerprint:
            return (page.template, page.path, article.fingerprint,
                    value_bytes((_fields(article.tags), _fields(article.translations), own_labels)))
        return (value_bytes((page.template, page.path, page.inputs)),)
    if isinstance(page, plans.ListPage):
        *head, chunk, pagination = page.inputs
        if all(article.fingerprint for article in chunk):  # a card shows its article's tags, not its translations
            return (page.template, value_bytes((*_plain((*head, pagination)),
                                                tuple(_fields(article.tags) for article in chunk))),
                    *(article.fingerprint for article in chunk))
        return (value_bytes(page.page()),)
    return (value_bytes(page),)


def _fields(records: Iterable[object]) -> tuple[tuple[object, ...], ...]:
    """Records (dataclass instances) as the tuples of their fields: a key pickles tuples of text 3×
    faster than the objects (a list page's key: 70 → 30 µs)."""
    return tuple(tuple(vars(record).values()) for record in records)


def _plain(values: Iterable[object]) -> tuple[object, ...]:
    """`values`, each record among them as the tuple of its fields (see `_fields`)."""
    return tuple(tuple(vars(value).values()) if is_dataclass(value) else value for value in values)


def value_bytes(value: object) -> bytes:
    """Bytes that depend on `value` only: pickled without its memo, which would make them depend on
    which equal strings happen to be one object (it differs from one process to the next)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: each object is written out where it occurs
    pickler.dump(value)
    return buffer.getvalue()


def _render_with_key(page: plans.AnyPage, env: jinja2.Environment, renderer: ReusingRenderer) -> tuple[OutputFile, str]:
    output = rendering.render_page(env, page)
    if renderer.stage is not None:  # a first build: written by the worker that rendered it, not sent back
        output = stage_file(renderer.stage, output)
    return output, renderer.page_key(page)
