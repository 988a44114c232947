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

from site_builder import memo

NBSP = "\u00a0"
NNBSP = "\u202f"

_URL = re.compile(r"(?:https?://|ftp://|mailto:|www\.)[^\s<>«»\"]*[^\s<>«»\".,;:!?)\]]", re.IGNORECASE)
_SPACES = "[ \t\n\r\u00a0\u202f]"
_BEFORE_COLON = re.compile(r"(?<=\S)[ \t\n\r\u202f]+(?=:(?:\s|$|[»)\]]))")
_BEFORE_STOPS = re.compile(rf"(?<=\S){_SPACES}+(?=[;?!])")
_AFTER_OPENING = re.compile(rf"«{_SPACES}*")
_BEFORE_CLOSING = re.compile(rf"(?<=\S){_SPACES}*»")
_QUOTE = re.compile("['\"]")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_FRENCH_MARKS = re.compile("[:;?!«»]")
# An opening quote follows the start, a space, an opening bracket or dash, a slash or `=` (`x="y"`);
# any other is closing, and so is one of those followed by the end of a word (`"/img/"`).
_OPENS_AFTER = frozenset(" \t\n\r\u00a0\u202f([{«“‘—–-/=")
_ENDS_WORD = frozenset(" \t\n\r\u00a0\u202f.,;:!?)]}»")


def text(value: str, lang: str) -> str:
    """`value` (plain text: a title, a summary, a tag, an interface string) set in `lang`'s typography."""
    if not value:
        return value
    return _text(value, lang)


@memo.memoized(maxsize=65536)  # titles, tags and interface strings come back again and again
def _text(value: str, lang: str) -> str:
    return _Setter(lang).run(value)


# Elements whose text is code or machine text: never touched.
_RAW = frozenset(("code", "pre", "kbd", "samp", "script", "style", "var", "textarea", "math", "svg"))
# Elements that end a line of text: quotes after them open afresh (inside a line, `"<em>mot</em>"` pairs).
_BLOCK = frozenset((
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "td", "th", "tr", "ul", "ol", "dl", "dt", "dd",
    "blockquote", "div", "section", "figure", "figcaption", "table", "caption", "aside", "header", "footer"))
# Split into text, then for each tag: the whole tag, "/" or "", its name (None for a comment), then text.
_TAG = re.compile(r"(<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>)", re.DOTALL)
_WORK = {"fr": re.compile(r"['\":;?!«»]|&quot;|&#3[49];"), "en": re.compile(r"['\"]|&quot;|&#3[49];")}


def html(markup: str, lang: str) -> str:
    """`markup` with the typography of `text` applied to its text only (tags, attributes, code kept)."""
    work = _WORK.get(lang, _WORK["en"])
    if not work.search(markup):
        return markup
    setter = _Setter(lang)
    parts = _TAG.split(markup)
    raw: list[str] = []  # open raw elements, innermost last
    for index in range(0, len(parts), 4):
        if index:
            name = parts[index - 1]
            if name:
                if not name.islower():
                    name = name.lower()
                if name in _RAW and not parts[index - 3].endswith("/>"):
                    _track_raw(name, bool(parts[index - 2]), raw)
                if name in _BLOCK:
                    setter.last = " "
        text = parts[index]
        if text and not raw:
            if work.search(text):
                quoted = text.replace("&quot;", '"').replace("&#34;", '"').replace("&#39;", "'")
                parts[index] = setter.run(quoted).replace('"', "&quot;")
            else:
                setter.last = text[-1]
    parts[2::4] = parts[3::4] = [""] * (len(parts) // 4)  # the tags' slashes and names, already in the tags
    return "".join(parts)


def _track_raw(name: str, closing: bool, raw: list[str]) -> None:
    if not closing:
        raw.append(name)
    elif raw and raw[-1] == name:
        raw.pop()


class _Setter:
    """Sets one text, or the run of text nodes of one HTML document (quotes pair across tags)."""

    def __init__(self, lang: str):
        self.french = lang == "fr"
        self.last = " "
        """The character before the text to set (the end of the previous text node)."""
        self.quoting = False
        """Whether the last double quote set opened a quotation (for one with spaces on both sides)."""

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
        if "'" in value:  # most are apostrophes between letters: set without looking further
            value = value.replace("'", "’") if self.french else _APOSTROPHE.sub("’", value)
        if "'" in value or '"' in value:
            value = _QUOTE.sub(self._quote, before + value)[1:]
        if self.french and _FRENCH_MARKS.search(value):
            value = before + value
            value = _AFTER_OPENING.sub("«" + NNBSP, value)
            value = _BEFORE_CLOSING.sub(NNBSP + "»", value)
            value = _BEFORE_COLON.sub(NBSP, value)
            value = _BEFORE_STOPS.sub(NNBSP, value)
            value = value[1:]
        self.last = value[-1]
        return value

    def _quote(self, match: re.Match[str]) -> str:
        """A straight quote, made typographic by what is around it (`before + value` is matched)."""
        text, at = match.string, match.start()
        previous, following = text[at - 1] if at else " ", text[at + 1:at + 2]
        if previous in "'\"" and at > 1:  # after another quote, what that quote opened or closed counts
            previous = text[at - 2]
        opens = previous in _OPENS_AFTER
        if match.group(0) == "'":
            if self.french or not opens or following.isdigit() or not following.strip():
                return "’"  # an apostrophe (l’été, it’s, the ’90s, students’), or a closing quote
            return "‘"
        if opens and previous.strip() and (not following or following in _ENDS_WORD):
            opens = False  # `"/img/"`, `-"`: after a mark, and nothing of a word follows
        elif opens and not following.strip():
            opens = not self.quoting  # spaces on both sides (`dit " bonjour " hier`): it pairs
        self.quoting = opens
        if self.french:
            return "«" + NNBSP if opens else NNBSP + "»"
        return "“" if opens else "”"
