"""Short answers to the bot's own questions: yes, no, cancel, or which one ("the second one")."""
from __future__ import annotations

import re

_FILLER = r"(?:please|pls|thanks|thank you|thx|ok|okay|then|that|it|this|one|sure|just|yes|the|do|go|ahead|for|now|mate|man)"
YES = re.compile(
    r"^(?:yes|y|yeah|yea|yep|yup|ya|yass?|sure|ok|okay|k|kk|confirm(?:ed)?|correct|right|affirmative|absolutely|definitely|"
    r"go ahead|go for it|do it|please do|sounds good|looks good|lgtm|perfect|approved?|that's right|thats right|that is right|exactly|yes please|ship it|proceed|execute|send it|save it|sure thing|of course|alright|all right)"
    rf"(?:[\s,!.]+{_FILLER})*[\s!.]*$"
)
NO = re.compile(
    r"^(?:no|n|nope|nah|no thanks|no thank you|negative|don't|do not|dont|not now|not that|wrong|incorrect|not right|that's wrong|thats wrong|nein)"
    rf"(?:[\s,!.]+{_FILLER})*[\s!.]*$"
)
CANCEL = re.compile(
    r"^(?:(?:no|nah|nope|ok|okay|actually|hmm|oh|oops|sorry|wait)[\s,!.]+)*(?:cancel|stop|abort|never ?mind|nvm|forget it|forget that|scrap that|scratch that|drop it|drop that|ignore that|ignore it|undo|quit|exit|leave it)"
    rf"(?:[\s,!.]+{_FILLER}|\s+(?:all|everything|the plan))*[\s!.]*$"
)
_ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3, "three": 3,
    "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5, "five": 5, "last": -1,
}
CHOICE = re.compile(
    r"^(?:(?:i meant|i mean|i want|i'll take|take|pick|choose|go with|it's|its|it is|the)\s+)*(?:the\s+)?"
    r"(?:(?:number|no\.?|option|choice|#)\s*)?(?P<n>\d{1,2}|first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|one|two|three|four|five)"
    r"(?:\s+(?:one|option|choice|lead|please))?[\s!.]*(?:please)?[\s!.]*$"
)


def parse_reply(text: str) -> tuple[str | None, int | None]:
    """('yes'|'no'|'cancel'|'choice', the 1-based choice) or (None, None)."""
    t = text.strip().lower().replace("’", "'")
    if not t or len(t) > 60:
        return None, None
    t = re.sub(r"\s+", " ", t)
    if CANCEL.match(t):
        return "cancel", None
    if NO.match(t):
        return "no", None
    if YES.match(t):
        return "yes", None
    m = CHOICE.match(t)
    if m:
        raw = m.group("n")
        if raw.isdigit():
            n = int(raw)
            return ("choice", n) if 1 <= n <= 20 else (None, None)
        if raw in ("one",) and not re.search(r"\b(?:number|option|choice|#)\b", t) and t.strip() == "one":
            return "choice", 1
        return "choice", _ORDINALS[raw]
    return None, None
