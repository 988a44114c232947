"""Render the planned pages into output files (nothing is written): pages through Jinja2 templates,
feeds and the sitemap through `feeds` and `sitemap`. No reuse here: `reuse.pages` wraps this
stage with page keys and worker processes."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from functools import partial
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.loaders import split_template_path
from jinja2.visitor import NodeTransformer

from site_builder import i18n, sources, urls
from site_builder.errors import BuildError, Problem
from site_builder.model import OutputFile, Site
from site_builder.render import feeds, plans, sitemap, views

log = logging.getLogger(__name__)

THEME_DIR = sources.THEME_DIR


def escape(value: object) -> str:
    """`markupsafe.escape` for what templates print, the same text, ~3× faster on text (what nearly
    every `{{ … }}` holds). Jinja calls it only on a value it prints, and joins what it prints into
    one text (`Markup` again wherever a block's output is kept: macros, `set` blocks, filters), so
    text comes back escaped but not made `Markup`, which costs a Python call (`Markup.__new__`);
    `Markup` (already safe: an article's body, its JSON-LD) comes back as it is.
    Templates escape ~130 values per page, a tenth of the time rendering takes."""
    if type(value) is str and _escape_text is not None:
        return _escape_text(value)
    if type(value) is markupsafe.Markup:
        return value
    return markupsafe.escape(value)


_escape_text: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)
"""MarkupSafe's own escaping of a text (its C speedup): 3.0 and later name it so."""


class _Template(jinja2.Template):
    """Templates whose autoescaping calls `escape` above: the compiled code looks the name up in the
    template's module, where Jinja put `markupsafe.escape`."""

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: CodeType, globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = escape  # (blocks and macros share that module)
        return template


TEMPLATE_OPTIONS: dict[str, Any] = dict(
    autoescape=True,  # every template, whatever its extension
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def make_environment(project: Path) -> jinja2.Environment:
    """Jinja environment: the project's `templates/` override the shipped theme by name."""
    loaders: list[jinja2.BaseLoader] = []
    if (project / "templates").is_dir():
        loaders.append(SourceLoader(project, "templates"))
    loaders.append(jinja2.FileSystemLoader(THEME_DIR / "templates"))
    return _configured(_InliningEnvironment(loader=jinja2.ChoiceLoader(loaders), **TEMPLATE_OPTIONS))


class SourceLoader(jinja2.FileSystemLoader):
    """The templates of a project's folder: only the files `sources.walk` finds there (never one
    through a link out of the project, a FIFO, a name that is not UTF-8: the build reports those)."""

    def __init__(self, project: Path, folder: str):
        super().__init__(project / folder)  # (its `searchpath` names templates in error messages)
        self.folder = folder
        self.files = {file.rel: file.path for file in sources.walk(project, folder).files}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.files.get("/".join(split_template_path(template)))
        if path is None:
            raise jinja2.TemplateNotFound(template)
        try:
            data = sources.read_bytes(str(path))
            mtime = os.stat(path).st_mtime
        except OSError as exc:
            raise BuildError([sources.unreadable_problem(f"{self.folder}/{template}", exc)]) from exc

        def uptodate() -> bool:
            try:
                return os.stat(path).st_mtime == mtime
            except OSError:
                return False

        return data.decode(self.encoding), str(path), uptodate

    def list_templates(self) -> list[str]:
        return sorted(self.files)


def _configured(env: jinja2.Environment) -> jinja2.Environment:
    env.template_class = _Template
    env.globals["t_in"] = i18n.t
    env.globals["language_name"] = partial(i18n.t, key="language_name")
    return env


class _InliningEnvironment(jinja2.Environment):
    """Compiles each plain `{% include "name" %}` (a partial found by that literal name, without
    blocks, macros, imports or `extends`) as the partial's own statements in a scope of their own:
    the same output, without an include's template lookup and new context at every use (a list
    page includes its card ten times; about 0.5 s of a cold build of 10,000 articles). The partial
    sees what an include sees (the context and the includer's variables), and the enclosing loop's
    `loop` too. An edited partial is a new environment (`reuse.pages.environment`), never a stale
    inlined copy; a runtime error is located again without inlining (`exact`), so that it names the
    partial and its line."""

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._exact: jinja2.Environment | None = None

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Jinja's step from source to tree, taken by `compile` for every template it loads.
        tree = _inline_includes(self, super()._parse(source, name, filename), frozenset({name}))
        return _LookUpStrings(self).visit(tree) if _reads_t(tree) else tree

    def exact(self) -> jinja2.Environment:
        """This environment as Jinja makes it: every include is a template of its own."""
        if self._exact is None:
            self._exact = _configured(jinja2.Environment(loader=self.loader, **TEMPLATE_OPTIONS))
        return self._exact


class _LookUpStrings(NodeTransformer):
    """`t("key")` compiled as `t.key`: an attribute of the language's `i18n.Translator` rather than a
    call through Jinja's `Context.call` (16 on an article page: 0.25 s of a cold build)."""

    def __init__(self, env: jinja2.Environment):
        self.env = env

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        key = node.args[0] if len(node.args) == 1 else None
        if (isinstance(node.node, nodes.Name) and node.node.name == "t" and isinstance(key, nodes.Const)
                and isinstance(key.value, str) and key.value.isidentifier() and not key.value.startswith("_")
                and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None):
            return nodes.Getattr(node.node, key.value, "load", lineno=node.lineno, environment=self.env)
        return node


def _reads_t(tree: nodes.Template) -> bool:
    """True when `t` in `tree` is always the translator the page is rendered with (never set there)."""
    return not any(name.name == "t" and name.ctx != "load" for name in tree.find_all(nodes.Name))


N = TypeVar("N", bound=nodes.Node)
NOT_PLAIN = (nodes.Extends, nodes.Block, nodes.Macro, nodes.CallBlock, nodes.Import, nodes.FromImport)
"""What makes a partial more than statements to print: it is included the way Jinja includes it."""


def _inline_includes(env: _InliningEnvironment, node: N, seen: frozenset[str | None]) -> N:
    """`node` with every plain include under it replaced by the partial's statements (see above);
    `seen`: the templates being inlined around it (one including itself is left to Jinja)."""
    for field in node.fields:
        value = getattr(node, field, None)
        if isinstance(value, list):
            setattr(node, field, [_inlined(env, item, seen) if isinstance(item, nodes.Node) else item
                                  for item in value])
        elif isinstance(value, nodes.Node):
            _inline_includes(env, value, seen)
    return node


def _inlined(env: _InliningEnvironment, node: nodes.Node, seen: frozenset[str | None]) -> nodes.Node:
    plain = (isinstance(node, nodes.Include) and node.with_context and not node.ignore_missing
             and isinstance(node.template, nodes.Const) and isinstance(node.template.value, str))
    name = node.template.value if plain else None  # type: ignore[attr-defined]
    if name is None or name in seen or env.loader is None:
        return _inline_includes(env, node, seen)
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:  # Jinja says so when the include runs (it may never run)
        return node
    tree = _inline_includes(env, jinja2.Environment._parse(env, source, name, filename), seen | {name})
    if any(True for _ in tree.find_all(NOT_PLAIN)):
        return node
    return nodes.Scope(tree.body, lineno=node.lineno, environment=env)


def render(site: Site, env: jinja2.Environment) -> list[OutputFile]:
    """Every file of the site, rendered one after the other: plan → render, without reuse (a build
    renders through `reuse.pages`); raises BuildError naming the template on failure."""
    pages = list(plans.pages(site))
    return render_pages(env, pages) + other_files(site, pages)


def render_pages(env: jinja2.Environment, pages: Sequence[plans.AnyPage]) -> list[OutputFile]:
    """The planned `pages`, rendered."""
    return [render_page(env, page) for page in pages]


def other_files(site: Site, pages: Sequence[plans.AnyPage]) -> list[OutputFile]:
    """Every file of the site but its pages: the feeds, the sitemap (of the planned `pages`),
    robots.txt, the theme's assets and the project's static files."""
    others = list(feed_files(site))
    others.extend(OutputFile(path, data, "the sitemap") for path, data in sitemap.sitemap_files(site.config, pages))
    others.append(OutputFile(urls.robots(), sitemap.robots_txt(site.config), "robots.txt"))
    static = list(static_files(site.config.root))
    others.extend(theme_assets())
    others.extend(theme_icon(static))
    others.extend(static)
    return others


def render_page(env: jinja2.Environment, planned: plans.AnyPage) -> OutputFile:
    """Render one page view with its template; template errors name the template and the page."""
    page = planned.page()
    try:
        html = _render(env, page)
    except jinja2.TemplateSyntaxError as exc:
        where = f"templates/{exc.name or page.template}"
        raise BuildError([Problem(where, exc.lineno, exc.message or str(exc))]) from exc
    except TEMPLATE_ERRORS as exc:
        error: Exception = exc
        if isinstance(env, _InliningEnvironment):  # where it happened, as a template of its own
            try:
                _render(env.exact(), page)
            except TEMPLATE_ERRORS as exact:
                error = exact
        name, line = _template_position(error, env)
        raise BuildError([Problem(f"templates/{name or page.template}", line,
                                  f"{error} (while rendering /{page.path} from {page.source})")]) from exc
    return OutputFile(urls.output_file(page.path), html.encode("utf-8"), page.source)


TEMPLATE_ERRORS = (jinja2.TemplateError, i18n.UnknownString)
"""What a template's mistake raises while a page is rendered (reported with its template and line)."""


def _render(env: jinja2.Environment, page: views.Page) -> str:
    return env.get_template(page.template).render(
        chrome=page.chrome, page=page.body, t=i18n.translator(page.chrome.lang),
        count_label=partial(i18n.count_label, page.chrome.lang),
    )


def feed_files(site: Site, only: Callable[[feeds.Feed], bool] | None = None) -> Iterator[OutputFile]:
    """Every Atom feed (or those `only` accepts); a feed without entries is dated by the site's newest change."""
    newest = max((a.modified for a in site.articles), default=feeds.EPOCH)
    for feed in feeds.feeds(site):
        if only is None or only(feed):
            yield OutputFile(feed.path, feeds.atom_xml(site.config, feed, newest), feed.source)


def theme_assets() -> Iterator[OutputFile]:
    """The shipped theme's CSS and images, under /assets/."""
    yield from _files_of(sources.walk(THEME_DIR, "assets"), prefix="assets/", label="theme asset ")


def theme_icon(static: Sequence[OutputFile]) -> list[OutputFile]:
    """The theme's favicon at the site root, unless the project's `static/favicon.svg` replaces it."""
    if any(out.path == "favicon.svg" for out in static):
        return []
    return [OutputFile("favicon.svg", (THEME_DIR / "favicon.svg").read_bytes(), "theme favicon")]


def static_files(project: Path) -> Iterator[OutputFile]:
    """The project's `static/` folder, copied as-is to the site root: its files that are sources
    (see `sources`: links are never followed; the build reports what is left out)."""
    yield from _files_of(sources.walk(project, "static"), prefix="", label="static/")


def _files_of(found: sources.Walk, prefix: str, label: str) -> Iterator[OutputFile]:
    for file in found.files:
        try:
            data = sources.read_bytes(str(file.path))
        except OSError as exc:
            raise BuildError([sources.unreadable_problem(label + file.rel, exc)]) from exc
        yield OutputFile(prefix + file.rel, data, label + file.rel)


def _template_position(exc: Exception, env: jinja2.Environment) -> tuple[str | None, int | None]:
    """The template (its name: `partials/card.html`) and line where a runtime error happened, from
    the innermost template frame of Jinja's rewritten traceback."""
    folders = [Path(folder) for loader in _loaders(env.loader) if isinstance(loader, jinja2.FileSystemLoader)
               for folder in loader.searchpath]
    name, line = None, None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            path = Path(filename)
            name = next((path.relative_to(f).as_posix() for f in folders if path.is_relative_to(f)), None)
            line = tb.tb_lineno
        tb = tb.tb_next
    return name, line


def _loaders(loader: jinja2.BaseLoader | None) -> list[jinja2.BaseLoader]:
    return list(loader.loaders) if isinstance(loader, jinja2.ChoiceLoader) else [loader] if loader else []


