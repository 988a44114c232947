"""Typography the builder does for readers: French spacing, typographic apostrophes and quotes.

Every rule works on text and gives text: it never makes markup, and in HTML it changes text only,
never a tag, an attribute, code (`code`, `pre`, `kbd`, `samp`, `script`, `style`) or a URL written
in the text. French: a no-break space (U+00A0) before `:`, a narrow no-break space (U+202F) before
`; ? !` and inside `« »`, where the writer put an ordinary space (nothing is added where there was
none: `10:30`, `Yahoo!`, `?q=`); straight double quotes become `« »`. Both languages: `'` becomes
`’`, and English straight quotes become `“ ”` and `‘ ’`. Applying the rules twice changes nothing.

(polytypo does all this and more, but takes about 24 ms for a 700-word article in its HTML mode,
sixty times what rendering its Markdown takes, and brings tree-sitter with it; french-typo writes
`<sup>` markup; smartypants writes entities and knows English only.)
"""

from __future__ import annotations

import re
from functools import lru_cache

NBSP = "\u00a0"
NNBSP = "\u202f"

_URL = re.compile(r"(?:https?://|ftp://|mailto:|www\.)[^\s<>«»\"]*[^\s<>«»\".,;:!?)\]]", re.IGNORECASE)
_SPACES = "[ \t\n\r\u00a0\u202f]"
_BEFORE_COLON = re.compile(r"(?<=\S)[ \t\n\r\u202f]+(?=:(?:\s|$|[»)\]]))")
_BEFORE_STOPS = re.compile(rf"(?<=\S){_SPACES}+(?=[;?!])")
_AFTER_OPENING = re.compile(rf"«{_SPACES}*")
_BEFORE_CLOSING = re.compile(rf"(?<=\S){_SPACES}*»")
# An opening quote follows the start, a space or an opening bracket or dash; any other is closing.
_OPENS_AFTER = frozenset(" \t\n\r\u00a0\u202f([{«“‘—–-/")


def text(value: str, lang: str) -> str:
    """`value` (plain text: a title, a summary, a tag, an interface string) set in `lang`'s typography."""
    if not value:
        return value
    return _text(value, lang)


@lru_cache(maxsize=65536)  # titles, tags and interface strings come back again and again
def _text(value: str, lang: str) -> str:
    return _Setter(lang).run(value)


# Elements whose text is code or machine text: never touched.
_RAW = frozenset(("code", "pre", "kbd", "samp", "script", "style", "var", "textarea", "math", "svg"))
# Elements inside a line of text: quotes pair across them (`"<em>mot</em>"`).
_INLINE = frozenset(("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins",
                     "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"))
_TOKENS = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|[^<]+|<",
                     re.DOTALL)


def html(markup: str, lang: str) -> str:
    """`markup` with the typography of `text` applied to its text only (tags, attributes, code kept)."""
    setter = _Setter(lang)
    out: list[str] = []
    raw: list[str] = []  # open raw elements, innermost last
    for match in _TOKENS.finditer(markup):
        token, closing, name = match.group(0), match.group(1), (match.group(2) or "").lower()
        if name:
            if name in _RAW and not token.endswith("/>"):
                if not closing:
                    raw.append(name)
                elif raw and raw[-1] == name:
                    raw.pop()
            if name not in _INLINE:  # a new block: quotes there open afresh
                setter.last = " "
            out.append(token)
        elif raw or token.startswith("<"):
            out.append(token)
        else:
            out.append(setter.run(token.replace("&quot;", '"').replace("&#39;", "'")).replace('"', "&quot;"))
    return "".join(out)


class _Setter:
    """Sets one text, or the run of text nodes of one HTML document (quotes pair across tags)."""

    def __init__(self, lang: str):
        self.french = lang == "fr"
        self.last = " "
        """The character before the text to set (the end of the previous text node)."""

    def run(self, value: str) -> str:
        parts: list[str] = []
        start = 0
        for url in _URL.finditer(value):  # a URL written in the text is left as it is
            parts.append(self._set(value[start:url.start()]))
            parts.append(url.group(0))
            self.last = url.group(0)[-1]
            start = url.end()
        parts.append(self._set(value[start:]))
        return "".join(parts)

    def _set(self, value: str) -> str:
        if not value:
            return value
        before = self.last  # the spacing rules look one character back, across a tag or a URL
        value = self._quotes(value)
        if self.french:
            value = before + value
            value = _AFTER_OPENING.sub("«" + NNBSP, value)
            value = _BEFORE_CLOSING.sub(NNBSP + "»", value)
            value = _BEFORE_COLON.sub(NBSP, value)
            value = _BEFORE_STOPS.sub(NNBSP, value)
            value = value[1:]
        return value

    def _quotes(self, value: str) -> str:
        if "'" not in value and '"' not in value:
            self.last = value[-1]
            return value
        chars: list[str] = []
        previous = self.last
        for index, char in enumerate(value):
            if char == "'":
                char = self._single(previous, value[index + 1:index + 2])
            elif char == '"':
                opens = previous in _OPENS_AFTER
                if self.french:
                    char = "«" + NNBSP if opens else NNBSP + "»"
                    if not opens and chars and chars[-1] in " \u00a0":
                        chars.pop()
                else:
                    char = "“" if opens else "”"
            chars.append(char)
            previous = char[-1]
        self.last = previous
        return "".join(chars)

    def _single(self, previous: str, following: str) -> str:
        if self.french or previous not in _OPENS_AFTER or following.isdigit() or not following.strip():
            return "’"  # an apostrophe (l’été, it’s, the ’90s, students’), or a closing quote
        return "‘"
