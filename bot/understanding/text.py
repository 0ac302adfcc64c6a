"""Cleaning and normalising raw message text, keeping character offsets into the cleaned text."""
from __future__ import annotations

import html
import re
import unicodedata

MAX_CHARS = 2000  # longer messages are cut: no command is that long, and cost stays bounded

_TAG = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>|<!--.*?-->|<[^<>]{0,500}>", re.S | re.I)
_LOOKS_HTML = re.compile(r"<\s*/?\s*[a-z!][^<>]*>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean(text: str | None) -> tuple[str, bool]:
    """Text fit for parsing, and whether it had to be cut to ``MAX_CHARS``."""
    if not text:
        return "", False
    if _LOOKS_HTML.search(text):
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL.sub(" ", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = re.sub(r" *\n[ \n]*", "\n", text).strip()
    cut = len(text) > MAX_CHARS
    return (text[:MAX_CHARS] if cut else text), cut


_FOLD_CACHE: dict[str, str] = {}
_SAME_LENGTH_SWAPS = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2192": ">", "\u00d7": "x",
    # Letters that do not decompose into a base letter and an accent.
    "\u0141": "l", "\u0142": "l", "\u00d8": "o", "\u00f8": "o", "\u0110": "d", "\u0111": "d",
    "\u0131": "i", "\u0126": "h", "\u0127": "h", "\u0166": "t", "\u0167": "t",
}


def _fold_char(c: str) -> str:
    hit = _FOLD_CACHE.get(c)
    if hit is not None:
        return hit
    out = _SAME_LENGTH_SWAPS.get(c)
    if out is None:
        low = c.lower()
        if len(low) != 1:
            low = c
        decomposed = unicodedata.normalize("NFKD", low)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        out = stripped if len(stripped) == 1 else low
    _FOLD_CACHE[c] = out
    return out


def fold(text: str) -> str:
    """Lowercase, accents off, typographic quotes and dashes plain; same length as ``text``
    so that offsets found in the folded text point into the original."""
    if text.isascii():
        return text.lower().replace("`", "'")
    return "".join(_fold_char(c) for c in text)


def letters_share(text: str) -> float:
    """Share of letters that are Latin: a cheap test for text in another script."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c.isascii()) / len(letters)
