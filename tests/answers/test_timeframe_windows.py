"""Time windows: "in two weeks" as a window, Easter and other feasts, unions of months, and the
rolling and to-date periods ("the last fortnight", "YTD", "the past 48 hours", "last quarter")."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.answers.timeframe import find_periods, western_easter

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=LONDON)  # a Wednesday


def one(text: str, prefer: str = "past", now: datetime = NOW):
    periods = find_periods(text, now=now, prefer=prefer)
    assert len(periods) == 1, periods
    return periods[0]


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(("year", "sunday"), [
    (1818, date(1818, 3, 22)), (2011, date(2011, 4, 24)), (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)),
    (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)),
    (2285, date(2285, 3, 22)),
])
def test_western_easter_falls_on_the_published_sunday(year: int, sunday: date):
    assert western_easter(year) == sunday
    assert sunday.weekday() == 6


def test_due_in_two_weeks_is_everything_due_within_the_next_fourteen_days():
    p = one("follow-ups due in two weeks", prefer="future")
    assert (p.start, p.end) == (NOW, at(12, 2, 15, 30))
    assert (one("due in a fortnight", prefer="future").end, one("due in 3 days' time", prefer="future").end) == (
        at(12, 2, 15, 30), at(11, 21, 15, 30))


def test_in_two_weeks_about_the_past_is_the_last_fourteen_days():
    p = one("contacted in two weeks")
    assert (p.start, p.end) == (at(11, 4, 15, 30), NOW)
    assert find_periods("contacted 2 weeks ago", now=NOW)[0].label == "2 weeks ago"


def test_since_easter_runs_from_the_latest_easter_sunday():
    assert (one("leads created since easter").start, one("since easter").end) == (at(4, 5), None)
    # Asked before this year's Easter, it is last year's.
    assert one("since easter", now=datetime(2027, 3, 1, 9, tzinfo=LONDON)).start == at(4, 5)
    assert one("since easter 2025").start == datetime(2025, 4, 20, tzinfo=LONDON)


def test_easter_ahead_for_things_due_and_the_easter_weekend_is_friday_to_monday():
    assert one("due before easter", prefer="future").end == at(3, 28, year=2027)
    p = one("met over the easter weekend")
    assert (p.start, p.end) == (at(4, 3), at(4, 7))
    assert one("since christmas").start == datetime(2025, 12, 25, tzinfo=LONDON)


def test_two_adjacent_months_are_one_stretch():
    p = one("leads created in march and april")
    assert (p.start, p.end, p.ranges) == (at(3, 1), at(5, 1), ())
    assert one("in march, april and may").end == at(6, 1)


def test_months_apart_are_a_union_of_stretches():
    p = one("leads created in march and may")
    assert p.ranges == ((at(3, 1), at(4, 1)), (at(5, 1), at(6, 1)))
    assert p.contains(at(3, 15)) and p.contains(at(5, 31, 23)) and not p.contains(at(4, 15))
    q = one("in q1 or q3")
    assert q.ranges == ((at(1, 1), at(4, 1)), (at(7, 1), at(10, 1)))


def test_rolling_and_to_date_periods():
    assert (one("over the last fortnight").start, one("over the last fortnight").end) == (at(11, 4, 15, 30), NOW)
    assert (one("year to date").start, one("ytd").end) == (at(1, 1), NOW)
    assert one("qtd").start == at(10, 1)
    assert (one("the past 48 hours").start, one("in the last 48 hrs").start) == (at(11, 16, 15, 30), at(11, 16, 15, 30))


def test_last_quarter_is_the_previous_calendar_quarter_and_quarters_are_named():
    assert (one("last quarter").start, one("last quarter").end) == (at(7, 1), at(10, 1))
    assert (one("in q2").start, one("in q2").end) == (at(4, 1), at(7, 1))
    assert one("due in q1", prefer="future").start == at(1, 1, year=2027)


def test_numbers_that_are_no_time_stay_untouched():
    assert find_periods("budget over 2024", now=NOW) == []
    assert find_periods("leads looking for 2br in two buildings", now=NOW) == []
