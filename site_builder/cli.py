"""The command line: each command parses its options and calls one function."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from site_builder import __version__
from site_builder.build import BuildOptions, build
from site_builder.errors import SiteError

log = logging.getLogger("site_builder")


def report(error: SiteError) -> None:
    """Print every problem as `path:line: message` on stderr."""
    for problem in error.problems:
        click.echo(str(problem), err=True)
    count = sum(1 for p in error.problems if p.severity == "error")
    click.echo(f"Build failed: {count} error{'s' if count != 1 else ''}.", err=True)


def run(debug: bool, action):  # type: ignore[no-untyped-def]
    """Run `action`, turning a SiteError into its messages and exit status 1 (traceback only with --debug)."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return action()
    except SiteError as exc:
        if debug:
            raise
        report(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted; the previous output was left as it was.", err=True)
        sys.exit(130)


@click.group()
@click.version_option(__version__, prog_name="site-builder")
def main() -> None:
    """Build a bilingual news archive from Markdown."""


@main.command(name="build")
@click.argument("project", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: PROJECT/public).")
@click.option("--base-url", help="Absolute URL the site is published at, e.g. https://user.github.io/archive/.")
@click.option("--drafts", is_flag=True, help="Include articles marked `draft: true`.")
@click.option("--future", is_flag=True, help="Include articles dated in the future.")
@click.option("--debug", is_flag=True, help="Verbose logging and full tracebacks.")
def build_command(project: Path, output: Path | None, base_url: str | None, drafts: bool, future: bool,
                  debug: bool) -> None:
    """Build the site in PROJECT into its output folder."""
    options = BuildOptions(project=project, output=output, base_url=base_url, drafts=drafts, future=future)
    result = run(debug, lambda: build(options))
    click.echo(result.summary())
