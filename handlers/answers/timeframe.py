"""Periods of time in questions, relative to an injected ``now`` in the asker's time zone.

Conventions (the same in every answer):

- calendar periods run from their first instant to the first instant of the next one:
  "this week" is Monday 00:00 to next Monday 00:00 (ISO 8601 weeks start on Monday),
  "last month" is the whole previous month, "this quarter" the calendar quarter;
- "in the last/past N days", "past week", "over the last month" are rolling: ``now`` minus
  the length up to ``now``; "the next 7 days" is ``now`` up to ``now`` plus the length;
- "since X" runs from the start of X to ``now``; "before X" ends at the start of X;
  "until/by X" ends at the end of X; "between X and Y" includes both days;
- a bare weekday or date means the past one for things that happened (contacts, meetings)
  and the coming one for things due (follow-ups): the caller says which it prefers;
- "in N days/weeks" is a window, not a single day: for things due it is ``now`` up to ``now``
  plus the length ("due in two weeks" is everything due within the next 14 days, the way a
  diary is read), for things that happened ``now`` minus the length up to ``now`` ("not
  contacted in two weeks");
- "Easter" is Western (Gregorian) Easter Sunday, the past one for history and the coming one
  for things due: "since Easter" runs from that Sunday's midnight; "Easter weekend" is Good
  Friday to Easter Monday; "Christmas" is 25 December;
- several months, quarters, years or days joined by "and", "or" or commas ("in March and
  April") are their union: one ``Period`` whose ``ranges`` hold each stretch, adjacent ones
  merged (March and April is 1 March to 1 May), and whose start and end bound them all;
- "year to date" (YTD), "quarter to date" (QTD) and "month to date" (MTD) run from the start
  of the calendar period to ``now``.

``Period`` bounds are aware datetimes in ``now``'s zone; ``None`` means open-ended.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from handlers.answers.text import NUMBER_WORD_RE, number_value

Prefer = Literal["past", "future"]

MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name} | {
    name: i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS = {k.lower(): v for k, v in MONTHS.items()} | {"sept": 9}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
            "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
            "fri": 4, "sat": 5, "sun": 6}

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|" \
         r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|mon|tue|wed|thu|fri)"
_ORD = r"(?:st|nd|rd|th)?"
_UNIT = r"(?:days?|weeks?|wks?|fortnights?|months?|years?|yrs?|quarters?|hours?|hrs?)"
_N = NUMBER_WORD_RE

# Days named after a feast rather than a date.
_HOLIDAY = r"(?:easter(?: (?:sunday|day|weekend|monday))?|good friday|christmas(?: day| eve)?|xmas|new year'?s?(?: day)?)"

# A point in time that "since", "before", "between … and …" and "on" can refer to.
DATE_EXPR = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_HOLIDAY}(?:,? \d{{4}})?"
    rf"|(?:the )?\d{{1,2}}{_ORD}(?: of)? {_MONTH}(?:,? \d{{4}})?"
    rf"|{_MONTH} (?:the )?\d{{1,2}}{_ORD}(?:,? \d{{4}})?"
    rf"|{_MONTH}(?: \d{{4}})?"
    rf"|(?:last |this |next |previous )?{_WEEKDAY}"
    rf"|the (?:start|beginning) of (?:the |this |last )?(?:week|month|year|quarter)"
    rf"|(?:the )?end of (?:the |this |next |last )?(?:week|month|year|quarter)"
    rf"|q[1-4](?: \d{{4}})?"
    rf"|\d{{1,2}}/\d{{1,2}}(?:/(?:\d{{4}}|\d{{2}}))?"
    rf"|(?:last|this|previous) (?:week|month|year|quarter)"
    rf"|the \d{{1,2}}{_ORD}"
    rf"|{_N} {_UNIT} ago"
    rf"|today|yesterday|tomorrow|\d{{4}})"
)


@dataclass(frozen=True)
class Period:
    start: datetime | None
    end: datetime | None  # exclusive
    label: str  # the words it came from
    span: tuple[int, int]  # where in the (normalised) text
    # A union of separate stretches ("in March and May"): each [start, end), in order, apart;
    # empty when the period is the one stretch [start, end).
    ranges: tuple[tuple[datetime, datetime], ...] = ()

    def contains(self, when: datetime) -> bool:
        if self.ranges:
            return any(a <= when < b for a, b in self.ranges)
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)


def unit_delta(n: int, unit: str) -> timedelta:
    u = unit.rstrip("s")
    if u in ("day",):
        return timedelta(days=n)
    if u in ("week", "wk"):
        return timedelta(weeks=n)
    if u == "fortnight":
        return timedelta(weeks=2 * n)
    if u == "month":
        return timedelta(days=30 * n)
    if u == "quarter":
        return timedelta(days=91 * n)
    if u in ("year", "yr"):
        return timedelta(days=365 * n)
    if u in ("hour", "hr"):
        return timedelta(hours=n)
    raise ValueError(unit)


def _midnight(d: date, now: datetime) -> datetime:
    return datetime.combine(d, time(0), tzinfo=now.tzinfo)


def _month_start(year: int, month: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def calendar_period(which: str, unit: str, now: datetime) -> tuple[datetime, datetime]:
    """This/last/next week, month, quarter or year as [start, end)."""
    today = now.date()
    shift = {"this": 0, "current": 0, "last": -1, "previous": -1, "next": 1, "coming": 1}[which]
    if unit == "week":
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        return _midnight(monday, now), _midnight(monday + timedelta(weeks=1), now)
    if unit == "weekend":
        saturday = today - timedelta(days=today.weekday()) + timedelta(days=5, weeks=shift)
        return _midnight(saturday, now), _midnight(saturday + timedelta(days=2), now)
    if unit == "month":
        start = _month_start(today.year, today.month + shift)
        return _midnight(start, now), _midnight(_month_start(start.year, start.month + 1), now)
    if unit == "quarter":
        first = 3 * ((today.month - 1) // 3) + 1 + 3 * shift
        start = _month_start(today.year, first)
        return _midnight(start, now), _midnight(_month_start(start.year, start.month + 3), now)
    if unit == "year":
        return _midnight(date(today.year + shift, 1, 1), now), _midnight(date(today.year + shift + 1, 1, 1), now)
    raise ValueError(unit)


def resolve_date(expr: str, now: datetime, prefer: Prefer = "past") -> tuple[datetime, datetime] | None:
    """The [start, end) of a DATE_EXPR: a day, a month, a year or a calendar period."""
    e = expr.strip()
    today = now.date()
    if e in ("today",):
        return _midnight(today, now), _midnight(today + timedelta(days=1), now)
    if e == "yesterday":
        return _midnight(today - timedelta(days=1), now), _midnight(today, now)
    if e == "tomorrow":
        return _midnight(today + timedelta(days=1), now), _midnight(today + timedelta(days=2), now)
    m = re.fullmatch(rf"({_HOLIDAY})(?:,? (\d{{4}}))?", e)
    if m:
        return _holiday(m[1], int(m[2]) if m[2] else None, now, prefer)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", e)
    if m:
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return _day(d, now)
    if re.fullmatch(r"\d{4}", e):
        y = int(e)
        return _midnight(date(y, 1, 1), now), _midnight(date(y + 1, 1, 1), now)
    m = re.fullmatch(rf"(?:the )?(\d{{1,2}}){_ORD}(?: of)? ({_MONTH})(?:,? (\d{{4}}))?", e) or None
    if m:
        return _day_month(int(m[1]), MONTHS[m[2]], m[3], now, prefer)
    m = re.fullmatch(rf"({_MONTH}) (?:the )?(\d{{1,2}}){_ORD}(?:,? (\d{{4}}))?", e)
    if m:
        return _day_month(int(m[2]), MONTHS[m[1]], m[3], now, prefer)
    m = re.fullmatch(rf"({_MONTH})(?: (\d{{4}}))?", e)
    if m:
        month = MONTHS[m[1]]
        if m[2]:
            year = int(m[2])
        else:
            year = today.year
            if prefer == "past" and month > today.month:
                year -= 1
            elif prefer == "future" and month < today.month:
                year += 1
        start = date(year, month, 1)
        return _midnight(start, now), _midnight(_month_start(year, month + 1), now)
    m = re.fullmatch(rf"(?:(last|this|next|previous) )?({_WEEKDAY})", e)
    if m:
        return _day(_weekday(WEEKDAYS[m[2]], m[1], today, prefer), now)
    m = re.fullmatch(r"the (?:start|beginning) of (?:the |this |(last) )?(week|month|year|quarter)", e)
    if m:
        start, _ = calendar_period("last" if m[1] else "this", m[2], now)
        return _day(start.date(), now)
    m = re.fullmatch(r"(last|this|previous) (week|month|year|quarter)", e)
    if m:
        return calendar_period(m[1], m[2], now)
    m = re.fullmatch(r"(?:the )?end of (?:the |this |(next|last) )?(week|month|year|quarter)", e)
    if m:
        _, end = calendar_period(m[1] or "this", m[2], now)
        return _day(end.date() - timedelta(days=1), now)
    m = re.fullmatch(r"q([1-4])(?: (\d{4}))?", e)
    if m:
        year = int(m[2]) if m[2] else today.year
        start = date(year, 3 * int(m[1]) - 2, 1)
        current = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if not m[2] and prefer == "past" and start > current:
            start = start.replace(year=year - 1)
        elif not m[2] and prefer == "future" and start < current:
            start = start.replace(year=year + 1)
        return _midnight(start, now), _midnight(_month_start(start.year, start.month + 3), now)
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?", e)
    if m:
        return _numeric_date(int(m[1]), int(m[2]), m[3], now, prefer)
    m = re.fullmatch(rf"the (\d{{1,2}}){_ORD}", e)
    if m:
        day = int(m[1])
        month_start = date(today.year, today.month, 1)
        if prefer == "past" and day > today.day:
            month_start = _month_start(today.year, today.month - 1)
        elif prefer == "future" and day < today.day:
            month_start = _month_start(today.year, today.month + 1)
        try:
            return _day(month_start.replace(day=day), now)
        except ValueError:
            return None
    m = re.fullmatch(rf"({_N}) ({_UNIT}) ago", e)
    if m:
        return _day((now - unit_delta(number_value(m[1]), m[2])).date(), now)
    return None


def western_easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, also known as
    Meeus/Jones/Butcher; valid for every Gregorian year)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _holiday_days(name: str, year: int) -> tuple[date, date]:
    """The first day and the day after the last of a feast in ``year``."""
    if name.startswith(("easter", "good friday")):
        sunday = western_easter(year)
        if name == "good friday":
            return sunday - timedelta(days=2), sunday - timedelta(days=1)
        if name == "easter monday":
            return sunday + timedelta(days=1), sunday + timedelta(days=2)
        if name == "easter weekend":
            return sunday - timedelta(days=2), sunday + timedelta(days=2)  # Good Friday to Easter Monday
        return sunday, sunday + timedelta(days=1)
    if name.startswith(("christmas", "xmas")):
        day = date(year, 12, 24) if name.endswith("eve") else date(year, 12, 25)
        return day, day + timedelta(days=1)
    return date(year, 1, 1), date(year, 1, 2)  # New Year's Day


def _holiday(name: str, year: int | None, now: datetime, prefer: Prefer) -> tuple[datetime, datetime]:
    """A feast's days: of ``year`` when given, else the latest one begun (past) or the next one
    not yet over (future)."""
    today = now.date()
    if year is None:
        year = today.year
        first, _ = _holiday_days(name, year)
        if prefer == "past" and first > today:
            year -= 1
        elif prefer == "future" and _holiday_days(name, year)[1] <= today:
            year += 1
    first, after = _holiday_days(name, year)
    return _midnight(first, now), _midnight(after, now)


# Where dates are written month first ("9/12" is September 12); elsewhere day first.
_MONTH_FIRST_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
                      "America/Anchorage", "America/Detroit", "America/Boise", "America/Indiana/", "America/Kentucky/",
                      "America/Juneau", "America/Adak", "Pacific/Honolulu", "US/", "America/Puerto_Rico")


def _numeric_date(a: int, b: int, year: str | None, now: datetime, prefer: Prefer) -> tuple[datetime, datetime] | None:
    """"12/05" as a day: month first in the US (by the asker's zone), day first elsewhere; the
    order that is the only valid one wins ("25/12" anywhere)."""
    zone = getattr(now.tzinfo, "key", "") or ""
    month_first = zone.startswith(_MONTH_FIRST_ZONES)
    day, month = (b, a) if month_first else (a, b)
    if month > 12 and day <= 12:
        day, month = month, day
    if not (1 <= month <= 12):
        return None
    full_year = None if year is None else (str(2000 + int(year)) if len(year) == 2 else year)
    return _day_month(day, month, full_year, now, prefer)


def _day(d: date, now: datetime) -> tuple[datetime, datetime]:
    return _midnight(d, now), _midnight(d + timedelta(days=1), now)


def _day_month(day: int, month: int, year: str | None, now: datetime, prefer: Prefer) -> tuple[datetime, datetime] | None:
    today = now.date()
    try:
        if year:
            return _day(date(int(year), month, day), now)
        d = date(today.year, month, day)
    except ValueError:
        return None
    if prefer == "past" and d > today:
        d = d.replace(year=d.year - 1)
    elif prefer == "future" and d < today:
        d = d.replace(year=d.year + 1)
    return _day(d, now)


def _weekday(target: int, which: str | None, today: date, prefer: Prefer) -> date:
    if which == "next" or (which is None and prefer == "future"):
        ahead = (target - today.weekday()) % 7 or 7
        if which is None and target == today.weekday():
            ahead = 0  # "due Friday" said on a Friday means today
        return today + timedelta(days=ahead)
    if which == "this":
        return today - timedelta(days=today.weekday()) + timedelta(days=target)
    back = (today.weekday() - target) % 7
    if which in ("last", "previous") and back == 0:
        back = 7
    return today - timedelta(days=back)


# --- finding periods in a question -------------------------------------------------------------

# What a union ("in March and April", "Q1 or Q2", "2025 and 2026", "on Monday and Tuesday") joins.
_UNION_ITEM = (rf"(?:{_MONTH}(?: (?:19|20)\d{{2}})?|q[1-4](?: (?:19|20)\d{{2}})?|(?:19|20)\d{{2}}"
               rf"|(?:the )?\d{{1,2}}{_ORD}(?: of)? {_MONTH}|{_MONTH} (?:the )?\d{{1,2}}{_ORD}|{_WEEKDAY}|{_HOLIDAY})")
_UNION_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or|&|plus)?|\band\b|\bor\b|&|\bplus\b)\s*(?:(?:in|on|during)\s+)?")

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("day_range", re.compile(rf"\b(?:between|from) (?:the )?(?P<d1>\d{{1,2}}){_ORD} (?:and|to|until|till|-) (?:the )?(?P<d2>\d{{1,2}}){_ORD}"
                             rf"(?: of)? (?P<mon>{_MONTH})(?:,? (?P<y>\d{{4}}))?\b"
                             rf"|\b(?:between|from) (?P<mon2>{_MONTH}) (?:the )?(?P<d3>\d{{1,2}}){_ORD} (?:and|to|until|till|-) "
                             rf"(?:the )?(?P<d4>\d{{1,2}}){_ORD}(?:,? (?P<y2>\d{{4}}))?\b")),
    ("weekend", re.compile(r"\b(?:over|at|during|on) the weekend\b")),
    ("between", re.compile(rf"\b(?:between|from) (?P<a>{DATE_EXPR}) (?:and|to|until|till) (?P<b>{DATE_EXPR})\b")),
    ("more_ago", re.compile(rf"\b(?:more than|over|at least|longer than) (?P<n>{_N}) (?P<u>{_UNIT}) ago\b")),
    ("less_ago", re.compile(rf"\b(?:less than|under|within|in the last) (?P<n>{_N}) (?P<u>{_UNIT}) ago\b")),
    ("rolling_past", re.compile(
        rf"\b(?:(?:in|within|during|over|for|from) )?(?:the )?(?:last|past|previous|recent|preceding) "
        rf"(?:(?P<n>{_N}) )?(?P<u>{_UNIT})\b")),
    ("rolling_future", re.compile(
        rf"\b(?:(?:in|within|during|over|for) )?(?:the )?(?:next|coming|upcoming|following) (?:(?P<n>{_N}) )?(?P<u>{_UNIT})\b")),
    ("within", re.compile(rf"\b(?:within|in under|in less than) (?:(?P<n>{_N}) )?(?P<u>{_UNIT})\b")),
    ("in_time", re.compile(rf"\bin (?P<n>{_N}) (?P<u>{_UNIT})(?:'s?)?(?: time)?\b(?! ago)")),
    ("so_far", re.compile(r"\b(?P<ytd>year to date|ytd|quarter to date|qtd|month to date|mtd)\b")),
    ("calendar", re.compile(r"\b(?P<w>this|last|next|previous|current|coming) (?P<u>week|month|year|quarter|weekend)\b")),
    ("union", re.compile(rf"\b(?:(?:in|on|during|for|over|of|from) )?(?P<a>{_UNION_ITEM})"
                         rf"(?P<rest>(?:(?:,|,? and|,? or|,? &|,? plus) (?:(?:in|on|during) )?{_UNION_ITEM})+)\b")),
    ("since", re.compile(rf"\b(?:since|from|after|starting) (?P<a>{DATE_EXPR})\b")),
    ("before", re.compile(rf"\b(?:before|prior to|earlier than) (?P<a>{DATE_EXPR})\b")),
    ("until", re.compile(rf"\b(?:until|till|by|up to|no later than) (?P<a>{DATE_EXPR})\b")),
    ("ago", re.compile(rf"\b(?P<a>{_N} {_UNIT} ago)\b")),
    ("feast", re.compile(rf"\b(?:over|at|around|during|on|for|in) (?:the )?(?P<a>{_HOLIDAY}(?:,? \d{{4}})?)\b")),
    ("day", re.compile(r"\b(?P<a>today|tonight|yesterday|tomorrow|the day before yesterday|the day after tomorrow"
                       r"|this (?:morning|afternoon|evening))\b")),
    ("on", re.compile(rf"\b(?:on|in|during|for|of) (?P<a>{DATE_EXPR})\b")),
    ("bare", re.compile(rf"\b(?P<a>\d{{4}}-\d{{2}}-\d{{2}}|(?:last |this |next )?{_WEEKDAY}|{_MONTH} \d{{1,2}}{_ORD}|\d{{1,2}}{_ORD} {_MONTH})\b")),
]


def find_periods(text: str, *, now: datetime, prefer: Prefer = "past") -> list[Period]:
    """Every period named in ``text`` (normalised), left to right, none overlapping."""
    taken: list[tuple[int, int]] = []
    found: list[Period] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if kind in ("on", "bare") and _not_a_date(text, m):
                continue
            bounds = _bounds(kind, m, now, prefer)
            if bounds is None:
                continue
            taken.append(m.span())
            ranges = bounds[2] if len(bounds) > 2 else ()
            found.append(Period(bounds[0], bounds[1], m.group(0), m.span(), ranges))
    return sorted(found, key=lambda p: p.span)


def _not_a_date(text: str, m: re.Match[str]) -> bool:
    a = m.group("a")
    # "may" is a month and a verb; "in 2br" is no date: only a real month or weekday word counts.
    if a in ("may", "mar", "sun", "sat", "wed", "jan", "jun", "dec") and not re.search(
            rf"\b(?:in|since|during|of|before|after|until) {a}\b|\b{a} \d", text):
        return True
    return False


def _bounds(kind: str, m: re.Match[str], now: datetime, prefer: Prefer) -> tuple[Any, ...] | None:
    """(start, end) of a match, or (start, end, ranges) for a union."""
    g = m.groupdict()
    if kind == "day_range":
        month = MONTHS[g["mon"] or g["mon2"]]
        d1, d2 = (int(g["d1"]), int(g["d2"])) if g["mon"] else (int(g["d3"]), int(g["d4"]))
        year = g["y"] or g["y2"]
        a = _day_month(min(d1, d2), month, year, now, prefer)
        if a is None:  # both days are in the month and year of the first one
            return None
        b = _day_month(max(d1, d2), month, str(a[0].year), now, prefer)
        return None if b is None else (a[0], b[1])
    if kind == "weekend":
        this_sat, _ = calendar_period("this", "weekend", now)
        shift = "this" if (prefer == "past") == (this_sat <= now) else ("last" if prefer == "past" else "next")
        return calendar_period(shift, "weekend", now)
    if kind == "between":
        a, b = resolve_date(g["a"], now, prefer), resolve_date(g["b"], now, prefer)
        if a is None or b is None:
            return None
        if b[0] < a[0]:
            # "between 1 May and 15 May" asked on 13 May: the end is this year's, not last year's.
            later = resolve_date(g["b"], now, "future") if prefer == "past" else None
            earlier = resolve_date(g["a"], now, "past") if prefer == "future" else None
            if later is not None and later[0] >= a[0]:
                b = later
            elif earlier is not None and earlier[0] <= b[0]:
                a = earlier
        return min(a[0], b[0]), max(a[1], b[1])
    if kind == "more_ago":
        return None, now - unit_delta(number_value(g["n"]), g["u"])
    if kind == "less_ago":
        return now - unit_delta(number_value(g["n"]), g["u"]), now
    if kind in ("rolling_past", "within"):
        unit = g["u"].rstrip("s")
        words = m.group(0)
        # "last week" / "last month" alone is the calendar period; "the last week", "past week",
        # "last 7 days" and "within a week" are rolling.
        if kind == "rolling_past" and g["n"] is None and unit in ("week", "month", "year", "quarter") \
                and re.search(r"\blast\b", words) and not re.search(r"\bthe last\b", words):
            return calendar_period("last", unit, now)
        delta = unit_delta(number_value(g["n"]), unit)
        return (now - delta, now) if kind == "rolling_past" or prefer == "past" else (now, now + delta)
    if kind == "rolling_future":
        unit = g["u"].rstrip("s")
        words = m.group(0)
        if g["n"] is None and unit in ("week", "month", "year", "quarter") and not re.search(r"\bthe\b", words) \
                and re.search(r"\bnext\b|\bcoming\b", words):
            return calendar_period("next", unit, now)
        return now, now + unit_delta(number_value(g["n"]), unit)
    if kind == "in_time":
        delta = unit_delta(number_value(g["n"]), g["u"])
        return (now, now + delta) if prefer == "future" else (now - delta, now)
    if kind == "union":
        return _union([g["a"], *[p for p in _UNION_SPLIT.split(g["rest"]) if p]], now, prefer)
    if kind == "so_far":
        unit = {"year to date": "year", "ytd": "year", "quarter to date": "quarter", "qtd": "quarter"}.get(g["ytd"], "month")
        start, _ = calendar_period("this", unit, now)
        return start, now
    if kind == "calendar":
        return calendar_period(g["w"], g["u"], now)
    if kind == "since":
        r = resolve_date(g["a"], now, "past")
        if r is None:
            return None
        if m.group(0).startswith("after"):
            return r[1], None
        return r[0], None
    if kind == "before":
        r = resolve_date(g["a"], now, prefer)
        return None if r is None else (None, r[0])
    if kind == "until":
        r = resolve_date(g["a"], now, "future" if prefer == "future" else prefer)
        return None if r is None else (None, r[1])
    if kind == "ago":
        return resolve_date(g["a"], now, prefer)
    if kind == "day":
        a = g["a"]
        today = now.date()
        if a == "tonight" or a.startswith("this "):
            a = "today"
        if a == "the day before yesterday":
            return _day(today - timedelta(days=2), now)
        if a == "the day after tomorrow":
            return _day(today + timedelta(days=2), now)
        return resolve_date(a, now, prefer)
    if kind in ("on", "bare", "feast"):
        return resolve_date(g["a"], now, prefer)
    return None


def _union(items: list[str], now: datetime, prefer: Prefer) -> tuple[datetime, datetime, tuple[tuple[datetime, datetime], ...]] | None:
    """Each item's [start, end), sorted, with overlapping or adjacent ones merged."""
    spans = []
    for item in items:
        r = resolve_date(item.strip(), now, prefer)
        if r is None:
            return None
        spans.append(r)
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged[0][0], merged[-1][1], tuple(merged) if len(merged) > 1 else ()


DURATION_RE = re.compile(rf"(?:(?P<n>{_N}) )?(?P<u>{_UNIT})")


def parse_duration(text: str) -> timedelta | None:
    m = DURATION_RE.fullmatch(text.strip())
    if not m:
        return None
    return unit_delta(number_value(m["n"]), m["u"])
