"""Hugo shortcodes (`{{< name … >}}`, `{{% name … %}}`) in a Markdown body: found outside code, so
that the build can warn about one published as text, and `import hugo` can convert them."""

from __future__ import annotations

import re
from collections.abc import Iterator

SHORTCODE = re.compile(r"\{\{(?P<delim>[<%])(?P<comment>/\*)?\s*(?P<closing>/)?\s*(?P<name>[\w./-]+)"
                       r"(?P<params>(?:[^>%\"'`}]|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|'[^']*'|[>%](?!\}\}))*?)"
                       r"(?P<self_closing>/)?\s*(?:\*/)?(?P<end>[>%])\}\}", re.DOTALL)
"""One shortcode tag as Hugo reads it: `{{< figure src="a.jpg" >}}`, `{{% note %}}`, `{{< /details >}}`
(closing), `{{</* x */>}}` (Hugo's way of writing one as text); quoted parameters may hold `>`."""
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
SHOWN_LENGTH = 80


def mask_code(body: str) -> str:
    """`body` with the text of fenced code blocks and code spans blanked (same length, newlines
    kept), so that what is found in it is outside code, at the same place in `body`."""
    lines = body.split("\n")
    fence: str | None = None
    for number, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            lines[number] = " " * len(line)
        elif fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) \
                    and not line[opening.end():].strip():
                fence = None
            lines[number] = " " * len(line)
    masked = "\n".join(lines)
    return CODE_SPAN.sub(lambda m: _blank(m.group()) if "\n\n" not in m.group() else m.group(), masked)


def _blank(text: str) -> str:
    return "".join("\n" if char == "\n" else " " for char in text)


def shortcodes(body: str) -> Iterator[re.Match[str]]:
    """Every shortcode tag in `body` outside code (matches on the masked text: positions are `body`'s)."""
    if "{{<" not in body and "{{%" not in body:  # the common case costs one scan
        return iter(())
    return (match for match in SHORTCODE.finditer(mask_code(body))
            if (match.group("delim"), match.group("end")) in (("<", ">"), ("%", "%")))


def shortcodes_left(body: str, first_line: int) -> tuple[tuple[int, str], ...]:
    """(line in the file, the tag as written, shortened) of each opening shortcode tag left in `body`,
    which starts on `first_line`."""
    found = []
    for match in shortcodes(body):
        if match.group("closing") or match.group("comment"):
            continue
        text = " ".join(body[match.start():match.end()].split())
        found.append((first_line + body.count("\n", 0, match.start()),
                      text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH - 4] + "… " + text[-3:]))
    return tuple(found)
