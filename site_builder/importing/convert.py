"""Hugo's common shortcodes as Markdown and HTML (outside code, where Hugo reads them):

- `figure` → `<figure>` holding the image (Markdown's, so that its path is rebased and checked like
  any other) and a `<figcaption>` of its title, caption and attribution;
- `ref` / `relref` → the root path of the article they name (rebased under the base path, and
  checked, as every root-relative link);
- `youtube`, `vimeo` (and `gist`, `tweet`/`x`, `instagram`) → a link to the video or post;
- `highlight` → a fenced code block.

Parameters are named (`src="a.jpg"`) or positional (`"a.jpg"`, `a.jpg`), quoted with `"` or `` ` ``;
both `{{< >}}` and `{{% %}}` are read. Any other shortcode is left as it is, and listed."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from site_builder.content.shortcodes import shortcodes

PARAM = re.compile(r'(?:([\w-]+)=)?("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)')
LABELS = {
    "fr": {"youtube": "Vidéo YouTube", "vimeo": "Vidéo Vimeo", "gist": "Gist", "tweet": "Publication sur X",
           "instagram": "Publication Instagram"},
    "en": {"youtube": "YouTube video", "vimeo": "Vimeo video", "gist": "Gist", "tweet": "Post on X",
           "instagram": "Instagram post"},
}


def _gist(given: dict[str | int, str]) -> str | None:
    user, gist = given.get("user") or given.get(0), given.get("id") or given.get(1)
    return f"https://gist.github.com/{user}/{gist}" if user and gist else None


def _post_on_x(given: dict[str | int, str]) -> str | None:
    """`user="…" id="…"`, `user id`, or Hugo's older form, the post's number alone (x.com/i/status/N
    finds a post without its author's name)."""
    user, post = given.get("user"), given.get("id")
    if user is None and post is None:
        user, post = (given.get(0), given.get(1)) if 1 in given else (None, given.get(0))
    return f"https://x.com/{user or 'i'}/status/{post}" if post and post.isdigit() else None


LINKS = {
    "youtube": lambda p: f"https://www.youtube.com/watch?v={p.get('id') or p.get(0, '')}",
    "vimeo": lambda p: f"https://vimeo.com/{p.get('id') or p.get(0, '')}",
    "gist": _gist,
    "tweet": _post_on_x,
    "instagram": lambda p: f"https://www.instagram.com/p/{p.get('id') or p.get(0, '')}/",
}
ALIASES = {"x": "tweet", "twitter": "tweet"}


@dataclass
class Converted:
    body: str
    converted: Counter[str] = field(default_factory=Counter)
    left: list[tuple[int, str]] = field(default_factory=list)
    """(line in the body, 0-based; what was left and why)."""
    resources: set[str] = field(default_factory=set)
    """The paths (as written) that the figures name."""


Resolve = Callable[[str, str | None], str | None]
"""A `ref` target and its `lang` (or None) → the root path of the article (None: not found)."""


def params(text: str) -> dict[str | int, str]:
    """A shortcode's parameters: named ones by name, positional ones by position."""
    found: dict[str | int, str] = {}
    position = 0
    for match in PARAM.finditer(text):
        name, value = match.group(1), match.group(2)
        if value[0] in "\"`":
            value = value[1:-1].replace('\\"', '"') if value[0] == '"' else value[1:-1]
        if name:
            found[name.lower()] = value
        else:
            found[position] = value
            position += 1
    return found


def convert_body(body: str, lang: str, resolve: Resolve) -> Converted:
    """`body` with the shortcodes it knows converted; the others listed."""
    result = Converted(body)
    matches = list(shortcodes(body))
    parts, done = [], 0
    skip_until = -1
    for index, match in enumerate(matches):
        if match.start() < skip_until:
            continue
        name = ALIASES.get(match.group("name").lower(), match.group("name").lower())
        line = body.count("\n", 0, match.start())
        replacement, end = None, match.end()
        if match.group("comment"):
            result.left.append((line, f"`{_shown(match)}` (Hugo's way of writing a shortcode as text) "
                                "was left as it is"))
            continue
        if match.group("closing"):
            if name != "highlight":
                continue
        elif name == "highlight":
            closing = next((m for m in matches[index + 1:]
                            if m.group("closing") and m.group("name") == "highlight"), None)
            if closing is not None:
                code = body[match.end():closing.start()]
                replacement, end = _highlight(params(match.group("params")), code), closing.end()
        else:
            replacement = _single(name, params(match.group("params")), lang, resolve, result)
            if replacement is not None and name == "figure":
                replacement = _as_block(body, match.start(), end, replacement)
        if replacement is None:
            why = ("names no imported article: link it by hand" if name in ("ref", "relref") and
                   not match.group("closing") else "was left as it is: convert it by hand")
            result.left.append((line, f"the shortcode `{_shown(match)}` {why}"))
            continue
        parts += [body[done:match.start()], replacement]
        done = skip_until = end
        result.converted[name] += 1
    result.body = "".join(parts) + body[done:]
    return result


def _single(name: str, given: dict[str | int, str], lang: str, resolve: Resolve, result: Converted) -> str | None:
    if name == "figure":
        return _figure(given, result)
    if name in ("ref", "relref"):
        target = given.get("path") or given.get(0)
        return resolve(target, given.get("lang") or given.get(1)) if target else None
    url = LINKS[name](given) if name in LINKS and (given.get("id") or given.get(0)) else None
    if url is not None:
        title = given.get("title")
        label = LABELS.get(lang, LABELS["en"])[name] + (f" : {title}" if title and lang == "fr" else
                                                        f": {title}" if title else "")
        return f"[{_markdown_text(label)}]({url})"
    return None


def _figure(given: dict[str | int, str], result: Converted) -> str | None:
    src = given.get("src") or given.get(0)
    if not src:
        return None
    result.resources.add(src)
    alt = given.get("alt") or given.get("title") or given.get("caption") or ""
    title = f' "{given["title"]}"' if given.get("title") and '"' not in given["title"] else ""
    image = f"![{_markdown_text(_plain(alt))}](<{src}>{title})"
    if given.get("link"):
        image = f"[{image}](<{given['link']}>)"
    caption = [given[key] for key in ("title", "caption", "attr") if given.get(key)]
    figcaption = f"<figcaption>{html.escape(' — '.join(_plain(c) for c in caption), quote=False)}</figcaption>\n" \
        if caption else ""
    return f"<figure>\n\n{image}\n\n{figcaption}</figure>"


def _as_block(body: str, start: int, end: int, block: str) -> str:
    """`block` set apart from the text around it by blank lines, unless it is on a line of its own."""
    before = "" if start == 0 or body[:start].endswith("\n") else "\n\n"
    after = "" if end == len(body) or body[end:].startswith("\n") else "\n\n"
    return before + block + after


def _highlight(given: dict[str | int, str], code: str) -> str:
    language = given.get("lang") or given.get(0) or ""
    fence = "````" if "```" in code else "```"
    return f"{fence}{language}\n{code.strip(chr(10))}\n{fence}"


def _plain(text: str) -> str:
    """Hugo's caption may hold Markdown or HTML: its text alone, on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", text)).replace("*", "").split())


def _markdown_text(text: str) -> str:
    return re.sub(r"([\[\]\\`*_<>])", r"\\\1", text)


def _shown(match: re.Match[str]) -> str:
    text = " ".join(match.string[match.start():match.end()].split())
    return text if len(text) <= 80 else text[:76] + "… " + text[-3:]
