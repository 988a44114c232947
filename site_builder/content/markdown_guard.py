"""Which Markdown markdown-it-pyrs must not be given: what would crash it, hang it or cost quadratic time.

markdown-it-pyrs (markdown-it.rs 0.6) is 15–20× faster than markdown-it-py on articles, but has no
nesting limit (100,000 nested quotes overflow its stack and kill the process), panics on a few inputs
and takes quadratic time on some long blocks. These cheap checks of the source (about 15 µs for a
700-word article) send such text to markdown-it-py, which is linear on all of it. They may say yes
for text that markdown-it-pyrs would have handled: that only costs speed. Figures: markdown-it-pyrs
0.4.0 on the project's 2-core machine."""

from __future__ import annotations

import re
from typing import Final

MAX_NESTING = 20
"""markdown-it-py's `maxNesting`: quotes and lists may nest 19 levels (a list counts two), no more."""
MAX_FAST_BLOCK = 5_000
"""Longest run of text without a blank line given to markdown-it-pyrs. Some of its rules take time that
grows with the square of a block's length (one paragraph of `*a* ` 10,000 times: 0.2 s, 20,000 times:
1.5 s; 10,000 reference definitions in a row: 4.5 s); a 2 MB article of 5,000-character blocks of these
takes 3 s and 7 s (markdown-it-py: 15 s and 6 s)."""
MAX_FAST_TABLE_CELLS = 65_536
"""markdown-it-pyrs pads every table row to the header's width with no limit (5,000 columns over 5,000
short rows: 25 million cells from 30 kB); markdown-it-py stops padding at this many cells. Text whose
tables may have more cells than this plus its length goes to markdown-it-py."""
INLINE_FOOTNOTE: Final = "^["
CONTAINER_PREFIX = re.compile(r"\n(?:[ \t>]|[-+*](?=[ \t\n]|$)|\d{1,9}[.)](?=[ \t\n]|$)|\[\^[^\]\n]*\]:){5,}")
"""A line opening or continuing at least 5 quotes, list items or footnotes, or indented as much: each
level takes at least one of these, and none more than 4 levels (a tab), so only such lines can reach
MAX_NESTING."""
LIST_MARKER = re.compile(r"[-+*]|\d{1,9}[.)]")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
BACKTICKS = re.compile("`+")
FENCE = re.compile(" {0,3}(?:```[^`]*|~~~.*)$")


def fallback_reason(text: str) -> str | None:
    """Why markdown-it-pyrs must not render `text`, or None when it may."""
    if INLINE_FOOTNOTE in text:
        return "inline footnotes: nested ones make markdown-it-pyrs panic or run for minutes"
    lines = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    if "`" in lines and "[" in lines and any(map(has_unclosed_code, lines.split("\n"))):
        return "a backtick that opens no code span, with a `[`: markdown-it-pyrs panics on `[a `"
    if any(container_depth_bound(match.group()) >= MAX_NESTING for match in CONTAINER_PREFIX.finditer("\n" + lines)):
        return "quotes or lists nested deeply: markdown-it-pyrs has no nesting limit and overflows its stack"
    if len(lines) > MAX_FAST_BLOCK and max(map(len, BLANK_LINE.split(lines))) > MAX_FAST_BLOCK:
        return f"a block of more than {MAX_FAST_BLOCK:,} characters without a blank line"
    cells = MAX_FAST_TABLE_CELLS + len(lines)
    pipes = lines.count("|")  # (pipes + 1) × lines bounds the cells of all tables: look closer only past it
    if pipes and (pipes + 1) * (lines.count("\n") + 1) > cells and sum(
            map(table_cells, BLANK_LINE.split(lines))) > cells:
        return "tables so wide and long that markdown-it-pyrs would pad them without limit"
    return None


def has_unclosed_code(line: str) -> bool:
    """Whether a line may hold a run of backticks that no later run of the same length closes.

    Code spans can run over several lines, so this says yes more often than needed; a fence is not inline."""
    if "`" not in line or FENCE.match(line):
        return False
    if "\\`" in line or "<" in line:  # an escape or raw HTML can take a backtick out of a run
        return True
    runs = [len(run) for run in BACKTICKS.findall(line)]
    opener = 0
    while opener < len(runs):
        try:
            opener = runs.index(runs[opener], opener + 1) + 1  # its closer: the next run as long
        except ValueError:
            return True
    return False


def container_depth_bound(prefix: str) -> int:
    """At least the number of nesting levels a line's prefix (`> > - `) opens or continues.

    A quote takes a `>`, a list two levels for a marker and a space or for two columns of indent,
    a footnote more; `>-` at the end of a line is the one way to get more levels than columns."""
    return len(prefix.expandtabs(4)) + 2 * len(LIST_MARKER.findall(prefix))


def table_cells(block: str) -> int:
    """At least the cells, rows padded, of the tables in a block (a table ends at a blank line):
    columns (at most one more than the `|` on a line) × rows (at most its lines)."""
    if "|" not in block:
        return 0
    rows = block.split("\n")
    return (max(row.count("|") for row in rows) + 1) * len(rows)
