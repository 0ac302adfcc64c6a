"""HTML email bodies to plain text, the way a mail client shows them as text.

Block elements start new lines, ``<br>`` breaks lines, ``<blockquote>`` content is prefixed with
"> " as clients do when they turn an HTML reply into plain text (RFC 3676 quoting), and the
containers that Outlook and other clients wrap around quoted history are turned into one
marker line so that the quote stripper knows where the history begins. Blockquotes that are
the sender's own formatting (a quoted sentence in the middle of a reply) stay plain text.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

# Beyond this size an HTML body is reduced with a regex instead of a parser: a 30 MB HTML
# part must not stall the pipeline (a real reply is a few kilobytes).
MAX_PARSED_HTML = 2_000_000

_BLOCKS = frozenset(
    "address article aside blockquote body center dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header html li main nav ol p pre section table tbody tfoot thead tr ul "
    "caption details summary".split()
)
_SKIP = frozenset("head script style title meta link noscript template svg object iframe xml button select".split())
_PARAGRAPHS = frozenset("p h1 h2 h3 h4 h5 h6 table ul ol pre".split())

# Containers that hold the quoted message, with the attribute that names them. Outlook puts
# its "From:/Sent:" header block in #divRplyFwdMsg and the original after it, so everything from
# such a container to the end of the document is history.
_CUT_IDS = re.compile(
    r"^(?:x_)?(?:divRplyFwdMsg|OLK_SRC_BODY_SECTION|appendonsend|mail-editor-reference-message-container"
    r"|zwchr|ms-outlook-mobile-reference-message)$",
    re.I,
)
_CUT_CLASSES = re.compile(r"^(?:x_)?(?:OutlookMessageHeader|ms-outlook-mobile-reference-message|zmail_extra)$", re.I)
# Containers whose whole content is quoted text (rendered with "> "): Gmail's (also as Outlook shows
# it, with an "x_" prefix), Yahoo's, Proton's, Tutanota's, Yandex's and Mail.ru's.
_GMAIL_QUOTE = re.compile(r"^(?:x_)?gmail_quote(?:_container)?$", re.I)
_QUOTE_CLASSES = re.compile(
    r"^(?:x_)?(?:yahoo_quoted|protonmail_quote|tutanota_quote|mail-quote-collapse|\w*wmi-quote)$", re.I
)

_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff\u00ad]")
_TAG = re.compile(r"<[^>]*>")
_FORWARD_START = re.compile(r"^[-\s]*(?:Forwarded message|Begin forwarded message|Weitergeleitete Nachricht|"
                            r"Message transféré|Mensaje reenviado|Messaggio inoltrato|Mensagem encaminhada|"
                            r"Doorgestuurd bericht|Vidarebefordrat meddelande|Videresendt|Przekazana wiadomość|"
                            r"Wiadomość przekazana dalej|Пересылаемое сообщение|Пересланное сообщение)", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.I)


class _Writer:
    """Collects lines; a line's quote depth is the depth when its first word was written."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self.buffer: list[str] = []
        self.depth = 0
        self.line_depth = 0
        self.blank_pending: int | None = None  # the quote depth of an empty line still to write
        self.touched = False

    def text(self, words: str, *, nbsp: bool = False) -> None:
        if not words:
            return
        if not self.buffer and nbsp and not words.strip():
            # A line holding only &nbsp; is how Word and Outlook write an empty line.
            self.touched = True
            return
        if not self.buffer:
            if self.blank_pending is not None and self.lines:
                self.lines.append((self.blank_pending, ""))
            self.blank_pending = None
            self.line_depth = self.depth
            words = words.lstrip(" ")
            if not words:
                return
        elif self.buffer[-1].endswith(" ") and words.startswith(" "):
            words = words.lstrip(" ")
        self.buffer.append(words)

    def newline(self) -> None:
        if self.buffer:
            self.lines.append((self.line_depth, "".join(self.buffer).rstrip()))
            self.buffer = []
        elif self.touched:
            self.lines.append((self.depth, ""))
        self.touched = False

    def hard_break(self) -> None:
        """``<br>``: ends the line, and an empty line when nothing was written since the last."""
        if self.buffer:
            self.newline()
        else:
            self.lines.append((self.depth, ""))

    def paragraph(self) -> None:
        self.newline()
        self.blank_pending = self.depth if self.blank_pending is None else min(self.blank_pending, self.depth)

    def marker(self, line: str) -> None:
        self.newline()
        self.lines.append((0, line))

    def render(self) -> str:
        self.newline()
        out = []
        for depth, line in self.lines:
            prefix = "> " * depth
            out.append((prefix + line).rstrip() if line else prefix.rstrip())
        return "\n".join(out)


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class") or []
    return value if isinstance(value, list) else str(value).split()


def _is_cut(tag: Tag) -> bool:
    if _CUT_IDS.match(str(tag.get("id") or "")):
        return True
    if any(_CUT_CLASSES.match(c) for c in _classes(tag)):
        return True
    return tag.get("data-marker") in ("__QUOTED_TEXT__", "__HEADERS__")


def _quote_containers(soup: BeautifulSoup) -> set[int]:
    """The elements that hold quoted history, as talon reads them: Gmail's div.gmail_quote
    (unless it holds a forward), Apple Mail's and Thunderbird's <blockquote type="cite">, Yahoo's
    and Proton's quote divs, and the last top-level <blockquote>. Any other <blockquote> is
    the sender's own formatting."""
    found: set[int] = set()
    for tag in soup.find_all(["div", "blockquote"]):
        classes = _classes(tag)
        if tag.name == "div" and any(_GMAIL_QUOTE.match(c) for c in classes) and not _inside_gmail_quote(tag):
            if not _FORWARD_START.match(tag.get_text(" ", strip=True)[:200]):
                found.add(id(tag))
        elif any(_QUOTE_CLASSES.match(c) for c in classes):
            found.add(id(tag))
        elif tag.name == "blockquote" and str(tag.get("type") or "").lower() == "cite":
            found.add(id(tag))
    top_level = [
        b for b in soup.find_all("blockquote")
        if not any(_GMAIL_QUOTE.match(c) for c in _classes(b)) and b.find_parent("blockquote") is None
    ]
    if top_level:
        found.add(id(top_level[-1]))
    return found


def _inside_gmail_quote(tag: Tag) -> bool:
    return any(any(_GMAIL_QUOTE.match(c) for c in _classes(parent)) for parent in tag.find_parents("div"))


def _walk(node: Tag, out: _Writer, cut_marker: str | None, pre: bool, quotes: set[int]) -> bool:
    """Render ``node``'s children; returns True when a cut marker ended the document."""
    for child in node.children:
        if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            text = _INVISIBLE.sub("", str(child))
            if pre:
                parts = text.split("\n")
                for i, part in enumerate(parts):
                    if i:
                        out.hard_break()
                    out.text(part.replace("\u00a0", " "))
            else:
                out.text(_SPACE.sub(" ", text), nbsp="\u00a0" in text)
            continue
        if not isinstance(child, Tag):
            continue
        name = (child.name or "").lower()
        if name in _SKIP or (":" in name and name.split(":")[0] in ("v", "w", "m")):
            continue
        style = str(child.get("style") or "")
        if style and _HIDDEN.search(style):
            continue
        if cut_marker is not None and _is_cut(child):
            out.marker(cut_marker)
            return True
        if name == "br":
            out.hard_break()
            continue
        if name == "hr":
            out.paragraph()
            out.text("________________________________")
            out.paragraph()
            continue
        if name == "img":
            continue
        quote = id(child) in quotes or (name == "blockquote" and out.depth > 0)
        block = name in _BLOCKS or quote
        # Word's "MsoNormal" paragraphs have no margins: on screen they are single lines.
        paragraph = (name in _PARAGRAPHS and "MsoNormal" not in _classes(child)) or quote
        if block:
            if paragraph:
                out.paragraph()
            else:
                out.newline()
            if name == "li":
                out.text("- ")
        elif name in ("td", "th"):
            out.text(" ")
        if quote:
            out.depth += 1
        ended = _walk(child, out, cut_marker, pre or name == "pre", quotes)
        if quote:
            out.newline()
            out.depth -= 1
        if ended:
            return True
        if block:
            if paragraph:
                out.paragraph()
            else:
                out.newline()
    return False


def html_to_text(html: str, *, cut_marker: str | None = None) -> str:
    """Plain text of an HTML body; never raises.

    With ``cut_marker``, a container known to hold quoted history is replaced by that line and
    nothing after it is rendered.
    """
    if not html or not html.strip():
        return ""
    if len(html) > MAX_PARSED_HTML:
        return _crude_text(html)
    try:
        soup = BeautifulSoup(html, "html.parser")
        out = _Writer()
        _walk(soup, out, cut_marker, False, _quote_containers(soup))
        text = out.render()
    except Exception:  # a parser bug on hostile input must not lose the message
        return _crude_text(html)
    return _tidy(text)


def _crude_text(html: str) -> str:
    import html as html_lib

    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", html[: MAX_PARSED_HTML * 2])
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)>", "\n", text)
    text = _TAG.sub(" ", text)
    text = html_lib.unescape(text)
    return _tidy("\n".join(_SPACE.sub(" ", line).strip() for line in text.split("\n")))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line.strip(" >") and out and not out[-1].strip(" >") and out[-1].startswith(">") == line.startswith(">"):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")
