"""Due times from what people type, by the project's conventions (EVAL_FORMATS section 1):

- a day without a time is 10:00; "morning" 09:00, "afternoon" 14:00, "evening"/"tonight" 18:00,
  "noon"/"lunchtime" 12:00, "end of day"/"EOD"/"close of business" 17:00;
- a bare weekday, "this <weekday>" or "next <weekday>" is the first such day after today;
  "next week" is next Monday; "in N days/weeks" keeps 10:00 unless a time is given;
  "in N hours/minutes" counts from now;
- a bare hour from 1 to 7 without am/pm ("at 4") is afternoon, 8 to 11 morning;
- a day of the month ("the 25th", "Dec 3") is the next such date after today;
- a weekday said with a date ("Thursday 10/14", "Sat the 25th", "Tuesday, March 3rd") is that
  date: the date is the more exact of the two, so it wins when they disagree, and a numeric date
  whose day and month could be read either way is read the way that falls on the weekday;
- "after 3" ("any time after 2 tomorrow") is that hour, the earliest time that suits;
- "next month" is the 1st of next month, as "next week" is its Monday ("end of next month" its
  last day, "mid next month" its 15th, "next month on the 5th" its 5th); "in a month" is the
  same day a month on.

The text handed in is the normalised chunk (lowercase, typos corrected, lead names replaced by
``@lead``). Numeric dates ("3/12", "12/03/2027") are left to dateparser, with the day/month
order of the speaker's region. A time of day already gone today, with no day named, moves to
tomorrow and says so; a named day and time already gone is returned flagged ``past``.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.understanding.lexicon import MONTHS, NUMBER_WORDS

DEFAULT_TIME = time(10, 0)
PARTS_OF_DAY = {
    "morning": time(9, 0), "first thing": time(9, 0), "afternoon": time(14, 0),
    "evening": time(18, 0), "tonight": time(18, 0), "noon": time(12, 0), "midday": time(12, 0),
    "lunchtime": time(12, 0), "lunch time": time(12, 0), "lunch": time(12, 0),
    "eod": time(17, 0), "cob": time(17, 0), "end of day": time(17, 0), "end of the day": time(17, 0),
    "close of business": time(17, 0), "end of business": time(17, 0), "eob": time(17, 0),
    "end of play": time(17, 0), "night": time(18, 0),
}
WEEKDAY_NUM = {
    "monday": 0, "mon": 0, "tuesday": 1, "wednesday": 2, "wed": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_SHORT_WEEKDAYS = ("mon", "wed", "sat", "sun")  # also words ("sat down", "wed"): need context

_NUM = r"(?:\d{1,3}(?:\.\d)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|forty-five|a couple of|couple of|a few|few)"
_HOUR_WORD = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_AMPM = r"(?P<ap>a\.?m\.?|p\.?m\.?)(?![a-z])"

RE_REL_SHORT = re.compile(
    rf"\b(?:in|within|after)\s+(?:(?P<half>half an? hour|half hour)|(?P<n>{_NUM})\s*(?P<u>minutes?|mins?|hours?|hrs?)(?:\s+and\s+a\s+half)?)\b"
    rf"|\b(?P<n2>{_NUM})\s*(?P<u2>minutes?|mins?|hours?|hrs?)\s+from\s+now\b"
)
RE_REL_LONG = re.compile(
    rf"\b(?:in|within)\s+(?P<n>{_NUM})\s*(?P<u>days?|weeks?|months?|wks?|fortnights?)\b"
    rf"|\b(?P<n2>{_NUM})\s*(?P<u2>days?|weeks?|months?)\s+(?:from\s+)?(?P<base>now|today|tomorrow)\b"
)
RE_TIME_AMPM = re.compile(rf"\b(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?\s?{_AMPM}")
RE_TIME_P = re.compile(r"(?<![\w/#-])(?<!unit )(?<!flat )(?<!apt )(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?p\b")
RE_ISH = re.compile(r"\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s?-?ish\b")
RE_TIME_COLON = re.compile(r"(?<![\d/:.])(?P<h>\d{1,2})[:h](?P<m>\d{2})\b(?!\s*(?:%|/))")
RE_TIME_BARE = re.compile(
    rf"(?:\b(?:at|by|around|about|from|till|until|for)|@)\s+(?:(?:about|around)\s+)?(?P<h>{_HOUR_WORD})(?:\.(?P<m>[0-5]\d)(?!\.?\d))?(?:\s*o'?\s?clock)?\b"
    r"(?!\s*(?:[:./]\d|%|k\b|m\b|st\b|nd\b|rd\b|th\b|-?\s*(?:days?|weeks?|hours?|minutes?|mins?|months?|years?|bed|beds|bedroom|br|people|units?|sq|percent|th)\b))"
)
# "after 3 today", "any time after 2 tomorrow": the hour, when nothing after it makes it a count
# ("after 3 viewings", "after 2 weeks").
RE_AFTER_HOUR = re.compile(
    rf"\bafter\s+(?P<h>{_HOUR_WORD})(?:\.(?P<m>[0-5]\d))?"
    r"(?=\s*(?:$|[,;:!?)]|\.(?!\d)|-\s|(?:today|tomorrow|tonight|on|this|next|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|and|or|then|please|pls|works?|would|is|suits?)\b))"
)
RE_OCLOCK = re.compile(rf"\b(?P<h>{_HOUR_WORD})\s*o'?\s?clock\b")
RE_HALF_PAST = re.compile(rf"\b(?P<q>half|quarter)\s+(?P<rel>past|to)\s+(?P<h>{_HOUR_WORD})\b|(?<=\bat )(?P<q2>half)\s+(?P<h2>{_HOUR_WORD})\b(?!\s*(?:an?|hours?|days?|weeks?|the|of)\b)")
RE_PART = re.compile(
    r"\b(?P<p>first thing|morning|afternoon|evening|tonight|noon|midday|lunch\s?time|(?<=at )lunch|eod|cob|eob|end of (?:the )?day|close of business|end of business|end of play|(?<=tomorrow )night|(?<=day )night)\b"
)
RE_DAYWORD = re.compile(
    r"\b(?P<w>today|tonight|tomorrow|(?:the\s+)?day\s+after\s+tomorrow|overmorrow|(?<!the )day after(?!\s+(?:tomorrow|the|that|this|his|her|their|my|our|@lead|next|a|an|\w+'s)\b))\b"
)
RE_WEEKDAY = re.compile(
    r"\b(?P<mod>next|this|coming|this coming|on|by|until|till)?\s*"
    r"(?P<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|wed|sat|sun)s?\b"
    r"(?P<after>\s+(?:at|morning|afternoon|evening|night|\d|noon|lunch|eod|first|am\b|pm\b|@|,|\.|!|\?|or|and|for|then|-)|\s*$)?"
)
RE_WEEK = re.compile(
    r"\b(?P<w>end of next week|after the weekend|next week|the following week|next weekend|this weekend|the weekend|weekend|end of (?:the |this )?week|eow|end of next month|mid-?\s?next month|(?:the )?middle of next month|next month|end of (?:the |this )?month|later this week|this week)\b"
)
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
RE_MONTH_DAY = re.compile(
    rf"\b(?P<mon>{_MONTH_NAMES})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?::|\.\d|am|pm|a\.m|p\.m))(?:,?\s+(?P<y>20\d\d))?"
    rf"|\b(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MONTH_NAMES})\b\.?(?:,?\s+(?P<y2>20\d\d))?"
)
RE_ORDINAL = re.compile(r"\b(?:(?:on|by|for|until|till|before)\s+)?(?:the\s+)?(?P<d>\d{1,2})(?P<suf>st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:floor|century|time|times|bed|unit|units|showing|viewing|visit|meeting|call|tour|look|round|option|offer|choice|one|home|property|house|flat|apartment|attempt|try|reminder|follow|email|message|text|place|row|phase|building|tower|block|street|st|ave|avenue|road|rd|grade|year|birthday|anniversary|person|buyer|child|kid|quarter|half|deposit|payment|installment|instalment|draft|version|copy|page|item|lot|level|storey|story|stage|opinion|mortgage|bedroom|bathroom|car|parking|lead|client)s?\b)")
RE_DAY_NUMBER = re.compile(
    r"\s*,?\s*(?:the\s+)?(?P<d>\d{1,2})\b(?![:./]\d|\s*(?:a\.?m\b|p\.?m\b|h\b|hrs?\b|hours?\b|mins?\b|minutes?\b|%|k\b|st\b|nd\b|rd\b|th\b|bed|bath|br\b|sq|m2\b|units?\b|people\b|percent\b|o'?\s?clock\b|days?\b|weeks?\b|(?:of\s+)?(?:"
    + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b))"
)
RE_ISO = re.compile(r"\b(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
RE_NUMERIC = re.compile(r"(?<![\w/])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})(?:[/.](?P<y>\d{2,4}))?(?![\w/]|\.\d)")


RE_HALF_DAY = re.compile(r"\b(?:today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|wed|sat|sun)\s+(?P<p>am|pm)\b")
THIS_PART = re.compile(r"\bthis (?:morning|afternoon|evening)\b")

@dataclass(frozen=True)
class DueTime:
    when: datetime  # aware, in the speaker's timezone
    grain: str  # 'minute' | 'day'
    span: tuple[int, int]  # into the text that was searched
    past: bool = False
    rolled: bool = False  # a bare time already gone today, moved to tomorrow


def _num(word: str) -> float:
    word = word.strip()
    if word.replace(".", "", 1).isdigit():
        return float(word)
    word = word.replace("a couple of", "couple").replace("couple of", "couple").replace("a few", "few")
    return float(NUMBER_WORDS.get(word, 1))


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 0)


def _bare_hour(h: int) -> int:
    """'at 4' is 16:00, 'at 9' is 09:00 (EVAL_FORMATS section 1)."""
    if 1 <= h <= 7:
        return h + 12
    return h


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _next_weekday(today: date, wd: int) -> date:
    ahead = (wd - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _next_day_of_month(today: date, day: int) -> date | None:
    y, m = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(y, m)[1]:
            d = date(y, m, day)
            if d > today:
                return d
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return None


def _next_month_day(today: date, month: int, day: int, year: int | None) -> date | None:
    if year:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for y in (today.year, today.year + 1, today.year + 2):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if d > today:
            return d
    return None


class DueParser:
    """Finds the due time in a chunk of normalised text."""

    def __init__(self, *, date_order: str = "DMY") -> None:
        self.date_order = date_order

    def parse(self, text: str, *, now: datetime) -> DueTime | None:
        try:
            return self._parse(text, now=now)
        except (OverflowError, ValueError):
            return None  # "in 99999999 days", "Feb 30": no such time

    def _parse(self, text: str, *, now: datetime) -> DueTime | None:
        if not text or not any(c.isalnum() for c in text):
            return None
        tz = now.tzinfo
        today = now.date()
        spans: list[tuple[int, int]] = []

        # "in 2 hours", "in 30 minutes": relative to now, nothing else matters.
        m = RE_REL_SHORT.search(text)
        if m:
            if m.group("half"):
                delta = timedelta(minutes=30)
            else:
                n = _num(m.group("n") or m.group("n2"))
                unit = m.group("u") or m.group("u2")
                if "and a half" in m.group(0):
                    n += 0.5
                delta = timedelta(hours=n) if unit.startswith("h") else timedelta(minutes=n)
            when = (now + delta).replace(second=0, microsecond=0)
            return DueTime(when, "minute", m.span())

        day, day_span = self._day(text, today)
        if day_span:
            spans.append(day_span)
        t, t_span, explicit_part = self._time(text)
        if t_span:
            spans.append(t_span)
        if day is None and t is None:
            return None
        span = (min(s[0] for s in spans), max(s[1] for s in spans))
        if day is None:
            when = datetime.combine(today, t, tzinfo=tz)
            if THIS_PART.search(text):
                return DueTime(when, "minute", span, past=when < now)  # "this morning" is today's
            if when <= now:
                return DueTime(when + timedelta(days=1), "minute", span, rolled=True)
            return DueTime(when, "minute", span)
        grain = "minute" if t is not None else "day"
        when = datetime.combine(day, t or DEFAULT_TIME, tzinfo=tz)
        return DueTime(when, grain, span, past=when < now)

    # -- the day ----------------------------------------------------------------------------
    def _day(self, text: str, today: date) -> tuple[date | None, tuple[int, int] | None]:
        found: list[tuple[int, date, tuple[int, int]]] = []  # (position, day, span)
        weekday_spans: dict[tuple[int, int], int] = {}  # span -> where the day's name ends
        numeric_spans: dict[tuple[int, int], str] = {}  # span -> the numeric date as written
        next_month: tuple[int, date] | None = None  # where "next month" was said, and its 1st

        for m in RE_REL_LONG.finditer(text):
            n = int(_num(m.group("n") or m.group("n2")))
            unit = m.group("u") or m.group("u2")
            base = today + timedelta(days=1) if (m.group("base") == "tomorrow") else today
            if unit.startswith("d"):
                d = base + timedelta(days=n)
            elif unit.startswith("f"):
                d = base + timedelta(weeks=2 * n)
            elif unit.startswith("w"):
                d = base + timedelta(weeks=n)
            else:
                d = _add_months(base, n)
            found.append((m.start(), d, m.span()))
        for m in RE_DAYWORD.finditer(text):
            w = m.group("w")
            if w in ("today", "tonight"):
                d = today
            elif w == "tomorrow":
                d = today + timedelta(days=1)
            else:
                d = today + timedelta(days=2)
            later = re.match(r"\s+(?:week|fortnight)\b", text[m.end():])
            if w == "tomorrow" and later:
                found.append((m.start(), d + timedelta(days=7 if "week" in later.group(0) else 14), (m.start(), m.end() + later.end())))
                continue
            found.append((m.start(), d, m.span()))
        for m in RE_WEEKDAY.finditer(text):
            name = m.group("d")
            if name in _SHORT_WEEKDAYS and not (m.group("mod") or m.group("after") is not None):
                continue
            if name in _SHORT_WEEKDAYS and name in ("sat", "sun") and re.match(r"\s+(?:down|with|in|on|up)\b", text[m.end():]):
                continue
            before = text[: m.start()]
            if re.search(r"\b(?:last|past|previous|since|on last)\s*$", before):
                continue
            d = _next_weekday(today, WEEKDAY_NUM[name])
            if name not in _SHORT_WEEKDAYS and not m.group("mod") and re.match(r"\s+week\b", text[m.end("d"):]):
                d += timedelta(days=7)  # "Monday week": the Monday after next
            found.append((m.start(), d, m.span()))
            weekday_spans[m.span()] = m.end("d")
            # "Friday 27": a number after a weekday that cannot be an hour is the day of the month.
            n = RE_DAY_NUMBER.match(text, m.end("d"))
            if n and 13 <= int(n.group("d")) <= 31:
                dm = _next_day_of_month(today, int(n.group("d")))
                if dm:
                    found.append((n.start("d"), dm, (n.start("d"), n.end())))
        for m in RE_WEEK.finditer(text):
            w = m.group("w")
            if w in ("later this week", "this week"):
                continue
            if w == "end of next week":
                d = today + timedelta(days=7 - today.weekday() + 4)
            elif w == "after the weekend":
                d = _next_weekday(today, 0)
            elif w in ("next week", "the following week"):
                d = today + timedelta(days=7 - today.weekday())
            elif "weekend" in w:
                d = _next_weekday(today, 5)
            elif "week" in w or w == "eow":
                d = _next_weekday(today, 4) if today.weekday() >= 4 else today + timedelta(days=4 - today.weekday())
            elif w == "next month":
                d = _add_months(today.replace(day=1), 1)
                next_month = (m.start(), d)
            elif w == "end of next month":
                d = _add_months(today.replace(day=1), 1)
                d = d.replace(day=calendar.monthrange(d.year, d.month)[1])
            elif "next month" in w:  # the middle of it
                d = _add_months(today.replace(day=1), 1).replace(day=15)
            else:  # end of the month
                d = today.replace(day=calendar.monthrange(today.year, today.month)[1])
            found.append((m.start(), d, m.span()))
        for m in RE_MONTH_DAY.finditer(text):
            mon = m.group("mon") or m.group("mon2")
            dd = int(m.group("d") or m.group("d2"))
            y = m.group("y") or m.group("y2")
            if mon == "may" and m.group("mon") and re.search(r"\b(?:i|we|you|he|she|they|it)\s*$", text[: m.start()]):
                continue  # "we may 2 ..." is the verb
            d = _next_month_day(today, MONTHS[mon], dd, int(y) if y else None)
            if d:
                found.append((m.start(), d, m.span()))
        # What a date after a weekday may not start inside: the weekday's name, not the word after it.
        taken = [(sp[0], weekday_spans.get(sp, sp[1])) for _, _, sp in found]
        day_name_ends = set(weekday_spans.values())
        for m in RE_ORDINAL.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            dd = int(m.group("d"))
            if next_month is not None and 1 <= dd <= calendar.monthrange(next_month[1].year, next_month[1].month)[1]:
                # "next month on the 5th", "the 5th of next month": that day of next month.
                at = next_month[0]
                found = [f for f in found if f[0] != at]
                span = (min(at, m.start()), max(m.end(), at + len("next month")))
                found.append((span[0], next_month[1].replace(day=dd), span))
                next_month = None
                continue
            d = _next_day_of_month(today, dd)
            if d:
                found.append((m.start(), d, m.span()))
        for m in RE_ISO.finditer(text):
            try:
                found.append((m.start(), date(int(m.group("y")), int(m.group("m")), int(m.group("d"))), m.span()))
            except ValueError:
                pass
        for m in RE_NUMERIC.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if "." in m.group(0) and not m.group("y") and not re.search(r"\b(?:on|by|for|until|till|from|before|due)\s*$", text[: m.start()]):
                after_day = any(0 < m.start() - e <= 3 and not text[e:m.start()].strip(" ,") for e in day_name_ends)
                clock = int(m.group("a")) <= 23 and len(m.group("b")) == 2 and int(m.group("b")) <= 59
                if not after_day or clock:
                    continue  # "4.5 stars", "a 1.5 bed", "Monday 9.30": a number or a time
            d = self._numeric(m.group(0), today)
            if d:
                found.append((m.start(), d, m.span()))
                numeric_spans[m.span()] = m.group(0)
        if not found:
            return None, None
        found.sort(key=lambda f: f[0])
        _, d, span = found[0]
        # "Tuesday the 12th", "Thursday 10/14", "Tuesday, March 3rd": the date said next to a
        # weekday is the day meant, even when the two disagree; a numeric date that reads either
        # way is read the way that falls on the weekday.
        end = weekday_spans.get(span)
        if end is not None:
            for _, d2, span2 in found[1:]:
                if span2 in weekday_spans or not 0 <= span2[0] - end <= 6:
                    continue
                if span2 in numeric_spans and d2.weekday() != d.weekday():
                    other = self._numeric(numeric_spans[span2], today, order=_swapped(self.date_order))
                    if other is not None and other.weekday() == d.weekday():
                        d2 = other
                return d2, (span[0], max(span[1], span2[1]))
        return d, span

    def _numeric(self, s: str, today: date, *, order: str | None = None) -> date | None:
        """'3/12' or '12/03/2027', read by dateparser in the speaker's day/month order (or
        ``order``); '10/14' in a day-first region has no 14th month, so it is the 14th of October."""
        d = self._numeric_in(s, today, order or self.date_order)
        if d is None and order is None:
            d = self._numeric_in(s, today, _swapped(self.date_order))
        return d

    @staticmethod
    def _numeric_in(s: str, today: date, order: str) -> date | None:
        import dateparser

        settings = {
            "DATE_ORDER": order,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
            "REQUIRE_PARTS": ["day", "month"],
        }
        try:
            parsed = dateparser.parse(s, languages=["en"], settings=settings)
        except Exception:  # dateparser raises a variety of errors on odd input
            return None
        if parsed is None:
            return None
        d = parsed.date()
        if not re.search(r"\d{2,4}$", s.split("/")[-1] if s.count("/") == 2 else "") and d <= today:
            try:
                d = d.replace(year=d.year + 1)
            except ValueError:
                return None
        return d

    # -- the time ---------------------------------------------------------------------------
    def _time(self, text: str) -> tuple[time | None, tuple[int, int] | None, str | None]:
        part_m = RE_PART.search(text)
        part = None
        if part_m:
            part = re.sub(r"\s+", " ", part_m.group("p")).replace("lunch time", "lunchtime")
        if part_m is None:
            # "Mon AM", "tomorrow pm": half the day, said after a day.
            half = RE_HALF_DAY.search(text)
            if half:
                part_m, part = half, ("morning" if half.group("p") == "am" else "afternoon")
        pm_hint = part in ("afternoon", "evening", "tonight", "night")
        am_hint = part in ("morning", "first thing")

        m = RE_TIME_AMPM.search(text)
        if m:
            h = int(m.group("h")) % 12
            if m.group("ap").startswith("p"):
                h += 12
            mins = int(m.group("m") or 0)
            if h < 24 and mins < 60:
                return time(h, mins), m.span(), part
        m = RE_TIME_P.search(text)
        if m:
            h, mins = int(m.group("h")), int(m.group("m") or 0)
            if 1 <= h <= 12 and mins < 60:
                return time(h % 12 + 12, mins), m.span(), part
        m = RE_HALF_PAST.search(text)
        if m:
            h = _hour(m.group("h") or m.group("h2"))
            mins = 30 if (m.group("q") or m.group("q2")) == "half" else 15
            if m.group("rel") == "to":
                h, mins = h - 1, 60 - mins
            return self._adjust(h, mins, am_hint, pm_hint, text[m.start():m.start()+1] == "0"), m.span(), part
        m = RE_TIME_COLON.search(text)
        if m:
            h, mins = int(m.group("h")), int(m.group("m"))
            if h < 24 and mins < 60:
                return self._adjust(h, mins, am_hint, pm_hint, m.group("h").startswith("0") or h >= 13), m.span(), part
        for rx in (RE_TIME_BARE, RE_AFTER_HOUR, RE_OCLOCK, RE_ISH):
            m = rx.search(text)
            if m:
                h = _hour(m.group("h"))
                mins = int(m.groupdict().get("m") or 0)
                if 1 <= h <= 12 and mins < 60:
                    return self._adjust(h, mins, am_hint, pm_hint, False), m.span(), part
        # "monday 11", "tomorrow 3": a bare number straight after a day word.
        m = re.search(r"\b(?:today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\s+(?P<h>\d{1,2})(?:[.:](?P<m>[0-5]\d)\b)?\b(?!\s*(?:[:./]\d|st|nd|rd|th|days?|weeks?|hours?|minutes?|mins?|bed|br|%|k\b|of\b|(?:" + _MONTH_NAMES + r")\b))", text)
        if m:
            h = int(m.group("h"))
            if 1 <= h <= 12:
                return self._adjust(h, int(m.group("m") or 0), am_hint, pm_hint, False), (m.start("h"), m.end()), part
            if 13 <= h <= 23 and m.group("m"):  # "friday 14.30": a 24-hour clock
                return time(h, int(m.group("m"))), (m.start("h"), m.end()), part
        if part_m:
            return PARTS_OF_DAY[part], part_m.span("p"), part
        return None, None, None

    @staticmethod
    def _adjust(h: int, mins: int, am_hint: bool, pm_hint: bool, literal: bool) -> time:
        if not literal:
            if pm_hint and h < 12:
                h += 12
            elif am_hint:
                h = 0 if h == 12 else h
            else:
                h = _bare_hour(h)
        return time(h % 24, mins % 60)


def _swapped(order: str) -> str:
    return "MDY" if order == "DMY" else "DMY"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:  # unknown or malformed zone name: fall back to UTC rather than fail
        return ZoneInfo("UTC")


def date_order_for(tz_name: str | None) -> str:
    """Month first in the Americas' US-style regions, day first elsewhere."""
    if tz_name and (tz_name.startswith("America/") or tz_name.startswith("US/")) and not any(
        s in tz_name for s in ("Sao_Paulo", "Argentina", "Bogota", "Lima", "Santiago", "Caracas", "Montevideo")
    ):
        return "MDY"
    return "DMY"
