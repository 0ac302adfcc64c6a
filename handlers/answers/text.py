"""Small text helpers shared by the router and the data-question parser: normalising a
question, number words and money amounts ("1m", "£500k", "1.2 million", "750,000")."""
from __future__ import annotations

import re
import unicodedata

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100,
    "couple": 2, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 3,
}
NUMBER_WORD_RE = (r"(?:\d+|a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|seven|"
                  r"eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
                  r"nineteen|twenty|thirty|forty|fifty|sixty|ninety|hundred)")

# Apostrophes and quotes as typed on phones and in Slack.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})


# Letters that Unicode does not decompose into a base letter and a mark, written as people type
# them on a keyboard without them ("Łukasz" -> "lukasz", "Yılmaz" -> "yilmaz", "Søren" -> "soren").
_PLAIN_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i",
                                "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "æ": "ae", "Æ": "Ae", "œ": "oe",
                                "Œ": "Oe", "ħ": "h", "Ħ": "H", "ŀ": "l", "Ŀ": "L"})


def fold(text: str) -> str:
    """Lowercase without accents: 'Zoë Müller' -> 'zoe muller', 'Łukasz Yılmaz' -> 'lukasz yilmaz'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES).translate(_PLAIN_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Contractions typed without their apostrophe ("havent", "whats").
_CONTRACTIONS = {"havent": "haven't", "hasnt": "hasn't", "hadnt": "hadn't", "dont": "don't", "doesnt": "doesn't",
                 "didnt": "didn't", "isnt": "isn't", "arent": "aren't", "wasnt": "wasn't", "werent": "weren't",
                 "whats": "what's", "whos": "who's", "hows": "how's", "wheres": "where's", "ive": "i've",
                 "im": "i'm", "shouldnt": "shouldn't", "couldnt": "couldn't", "wouldnt": "wouldn't", "cant": "can't"}
_CONTRACTION_RE = re.compile(r"\b(" + "|".join(_CONTRACTIONS) + r")\b")

# Shorthand typed in chat.
_SHORTHAND = {"w/o": "without", "w/": "with", "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow",
              "2moro": "tomorrow", "2morrow": "tomorrow", "tomoz": "tomorrow", "2day": "today", "tdy": "today",
              "yday": "yesterday", "yest": "yesterday", "mtg": "meeting", "mtgs": "meetings", "appt": "meeting",
              "appts": "meetings", "f/u": "follow-up", "f/us": "follow-ups", "b4": "before", "thru": "through"}
_SHORTHAND_RE = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True))
                           + r")(?![\w/])")


def normalise_question(text: str) -> str:
    """Lowercase, no accents, straight quotes, single spaces, apostrophes restored, no trailing
    punctuation; the character positions of words are what the parser's spans refer to."""
    out = fold(text)
    out = re.sub(r"\s+", " ", out).strip()
    out = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(1)], out)
    out = _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m.group(1)], out)
    out = re.sub(r"^#\s*(?=[a-z])|(?<=\s)#\s*(?=[a-z])", "number of ", out)  # "# leads from referral"
    out = re.sub(r"\s*(>=|<=|>|<)\s*(?=[£$€\d])", r" \1 ", out)  # "budget >1m" -> "budget > 1m"
    return out.rstrip("?!. ").strip()


def number_value(word: str | None, default: int = 1) -> int:
    if word is None or not word.strip():
        return default
    w = word.strip()
    if w.isdigit():
        return int(w)
    return NUMBER_WORDS.get(w, default)


# A money amount: a currency sign, or a k/m/million/thousand suffix, or a number of 4+ digits.
MONEY_RE = re.compile(
    r"(?P<cur>[£$€]|usd|gbp|eur|aed)?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s?(?P<suf>k|m|mn|mm|bn|thousand|million|mil|grand)?(?![a-z0-9])",
)
_SUFFIX = {"k": 1e3, "thousand": 1e3, "grand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "mil": 1e6,
           "million": 1e6, "bn": 1e9}


def parse_money(match: re.Match[str]) -> float | None:
    """The amount of a MONEY_RE match, or None when it is a bare small number (a count, a day)."""
    num = float(match.group("num").replace(",", ""))
    suf = match.group("suf")
    if suf:
        return num * _SUFFIX[suf]
    if match.group("cur") or num >= 1000:
        return num
    return None


def to_number(value: object) -> float | None:
    """A number from a number or from text such as '1,200,000', '£1.2m', '3' (else None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    s = fold(value).strip().replace(" ", "")
    m = re.fullmatch(r"([£$€]|usd|gbp|eur|aed)?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)"
                     r"(k|m|mn|mm|bn|thousand|million|mil|grand)?%?", s)
    if not m:
        return None
    num = float(m.group(2).replace(",", ""))
    return num * _SUFFIX[m.group(3)] if m.group(3) else num


def number_tolerance(value: object) -> float:
    """Half a unit of the last digit written: '1.2m' matches 1,150,000..1,250,000, '1033333' only
    1033333 (±0.5), so a value rounded the way the expected one was written still counts."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return 0.0
    if isinstance(value, int):
        return 0.5
    if isinstance(value, float):
        text = repr(value)
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        return 0.5 * 10 ** -decimals
    s = fold(value).strip().replace(" ", "")
    m = re.search(r"(\d[\d,]*)(?:\.(\d+))?(k|m|mn|mm|bn|thousand|million|mil|grand)?", s)
    if not m:
        return 0.0
    decimals = len(m.group(2) or "")
    scale = _SUFFIX[m.group(3)] if m.group(3) else 1.0
    return 0.5 * 10 ** -decimals * scale


def format_number(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"
