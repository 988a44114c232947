"""The command line: each command parses its options and calls one function."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from site_builder import __version__
from site_builder.build import BuildOptions, build, check_site
from site_builder.errors import ERROR, NOTE, WARNING, SiteError
from site_builder.terminal import TerminalProgress, build_lines, count_line, plural, warning_lines

log = logging.getLogger("site_builder")

BUILD_FAILED = "Build failed"


def report(error: SiteError, failed: str = BUILD_FAILED) -> None:
    """Print every error as `path:line: message` on stderr, then the warnings found with them (as
    `build` prints warnings), then `failed` (what did not happen) and the count."""
    errors = [p for p in error.problems if p.severity == ERROR]
    for problem in errors:
        click.echo(str(problem), err=True)
    for line in warning_lines([*error.warnings, *(p for p in error.problems if p.severity == WARNING)]):
        click.echo(line, err=True)
    click.echo(f"{failed}: {plural(len(errors), 'error')}.", err=True)


def run(debug: bool, action, failed: str = BUILD_FAILED, before_report=lambda: None):  # type: ignore[no-untyped-def]
    """Run `action`, turning a SiteError into its messages (ending with `failed`: what did not
    happen) and exit status 1 (traceback only with --debug)."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return action()
    except SiteError as exc:
        before_report()
        if debug:
            raise
        report(exc, failed=failed)
        sys.exit(1)
    except KeyboardInterrupt:
        before_report()
        click.echo("Interrupted: the output folder still holds the last complete build.", err=True)
        sys.exit(130)


def program() -> None:
    """The `site-builder` program: `main`, then an exit that does not free every object one by one.

    After a build of 10,000 articles, Python's own exit spent 2–3 s releasing what the build had
    memoized; the output is written and every stream flushed by then (mypy exits the same way)."""
    try:
        main()
        status: int | str | None = 0
    except SystemExit as exc:
        status = exc.code
    if isinstance(status, str):
        click.echo(status, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status if isinstance(status, int) else 0 if status is None else 1)


@click.group()
@click.version_option(__version__, prog_name="site-builder")
def main() -> None:
    """Build a bilingual news archive from Markdown."""


PROJECT = click.argument("project", type=click.Path(file_okay=False, path_type=Path), default=".")
DEBUG = click.option("--debug", is_flag=True, help="Verbose logging and full tracebacks.")
STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


@main.command(name="build")
@PROJECT
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: PROJECT/public).")
@click.option("--base-url", help="Absolute URL the site is published at, e.g. https://user.github.io/archive/.")
@click.option("--drafts", is_flag=True, help="Include articles marked `draft: true`.")
@click.option("--future", is_flag=True, help="Include articles dated in the future.")
@click.option("--no-search", "no_search", is_flag=True,
              help="Skip the search index (faster; the search pages will not work).")
@click.option("--keep-going", is_flag=True,
              help="Build every good article even if others are bad (still reports them and exits 1).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the number of cores).")
@click.option("--no-cache", is_flag=True, help="Parse and render everything; neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Cache folder (default: PROJECT/.site-builder-cache).")
@STRICT
@DEBUG
def build_command(project: Path, output: Path | None, base_url: str | None, drafts: bool, future: bool,
                  no_search: bool, keep_going: bool, jobs: int | None, no_cache: bool, cache_dir: Path | None,
                  strict: bool, debug: bool) -> None:
    """Build the site in PROJECT into its output folder."""
    progress = terminal_progress()
    options = BuildOptions(project=project, output=output, base_url=base_url, drafts=drafts, future=future,
                           strict=strict, search=not no_search, keep_going=keep_going,
                           jobs=jobs, cache=not no_cache, cache_dir=cache_dir, progress=progress)
    result = run(debug, lambda: build(options), before_report=progress.clear if progress else lambda: None)
    if progress:
        progress.clear()
    for problem in result.problems:  # (--keep-going) the errors first, as a build that stops prints them
        click.echo(str(problem), err=True)
    for line in build_lines(result.warnings, result.notes):
        click.echo(line, err=True)
    click.echo(result.summary())
    if result.problems:
        files = len({p.path for p in result.problems})
        click.echo(f"{plural(len(result.problems), 'error')}: {plural(files, 'file')} left out of the site "
                   "(--keep-going); correct them and build again to publish them.", err=True)
        sys.exit(1)


@main.command(name="serve")
@PROJECT
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--drafts", is_flag=True, help="Include articles marked `draft: true`.")
@click.option("--no-search", "no_search", is_flag=True, help="Do not build the search index.")
@DEBUG
def serve_command(project: Path, host: str, port: int, drafts: bool, no_search: bool, debug: bool) -> None:
    """Preview PROJECT in the browser; rebuild and reload on every change."""
    from site_builder.preview.serve import ServeOptions, serve  # (not imported by the other commands)

    options = ServeOptions(project=project, host=host, port=port, drafts=drafts, search=not no_search, debug=debug)
    run(debug, lambda: serve(options, echo=lambda message: click.echo(message, err=True)), failed="Not serving")


@main.command(name="new")
@click.argument("title")
@PROJECT
@click.option("--lang", required=True, help="Language of the article, e.g. fr or en.")
@click.option("--tags", default="", help='Comma-separated tags, e.g. "Ukraine, Défense".')
@click.option("--translation-of", type=click.Path(dir_okay=False, path_type=Path),
              help="The article this one translates: the new file gets its translation_key (and its tags).")
@DEBUG
def new_command(title: str, project: Path, lang: str, tags: str, translation_of: Path | None, debug: bool) -> None:
    """Create content/articles/YYYY/MM/<slug>.<lang>.md in PROJECT and print its path."""
    from site_builder.new import NewArticle, new_article, parse_tags  # (not imported by the other commands)

    request = NewArticle(project=project, title=title, lang=lang, tags=parse_tags(tags), translation_of=translation_of)
    click.echo(run(debug, lambda: new_article(request), failed="No article created"))


@main.group(name="import")
def import_group() -> None:
    """Bring a site made with another tool into a project."""


@import_group.command(name="hugo")
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@PROJECT
@click.option("--merge", is_flag=True, help="Add to a project that has articles already (never overwriting a file).")
@DEBUG
def import_hugo_command(source: Path, project: Path, merge: bool, debug: bool) -> None:
    """Write the articles, static files and old addresses of the Hugo site SOURCE into PROJECT."""
    from site_builder.importing.hugo import ImportRequest, import_hugo  # (not imported by the other commands)

    report = run(debug, lambda: import_hugo(ImportRequest(source=source, project=project, merge=merge)),
                 failed="Import failed")
    click.echo(report.text())
    if report.unread:  # articles were lost: a script must notice
        sys.exit(1)


@main.command(name="check")
@PROJECT
@click.option("--drafts", is_flag=True, help="Include articles marked `draft: true`.")
@click.option("--future", is_flag=True, help="Include articles dated in the future.")
@click.option("--notes", is_flag=True, help="Also list the notes (articles without summary, held back).")
@STRICT
@DEBUG
def check_command(project: Path, drafts: bool, future: bool, notes: bool, strict: bool, debug: bool) -> None:
    """Report every problem in PROJECT at once, without writing anything (exit 1 on errors)."""
    options = BuildOptions(project=project, drafts=drafts, future=future, strict=strict)
    problems = run(debug, lambda: check_site(options), failed="Check failed")
    for problem in problems:
        if notes or problem.severity != NOTE:
            click.echo(str(problem), err=True)
    click.echo(count_line(problems, notes_shown=notes), err=True)
    if any(p.severity == ERROR for p in problems):
        sys.exit(1)


def terminal_progress() -> TerminalProgress | None:
    """A build's progress on stderr when it is a terminal (never in a CI log or a pipe)."""
    return TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
