"""Dates as people write them (in normalised, lower-case text): "the 1st of May", day ranges within a month, quarters, numeric
dates in the asker's own order, the weekend and "this morning"."""
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.answers.timeframe import find_periods

LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 5, 13, 11, 20, tzinfo=LISBON)  # a Thursday


def one(text: str, now: datetime = NOW, prefer: str = "past"):
    periods = find_periods(text, now=now, prefer=prefer)
    assert len(periods) == 1, periods
    return periods[0]


def test_the_first_of_a_month_with_the_and_of():
    assert (one("not contacted since the 1st of may").start, one("since the 1st of may").end) == (
        datetime(2027, 5, 1, tzinfo=LISBON), None)


def test_a_range_of_days_within_one_month_keeps_both_ends_in_the_same_year():
    p = one("created between 1 and 15 may")
    assert (p.start, p.end) == (datetime(2027, 5, 1, tzinfo=LISBON), datetime(2027, 5, 16, tzinfo=LISBON))
    p = one("between 1 may and 15 may")
    assert (p.start, p.end) == (datetime(2027, 5, 1, tzinfo=LISBON), datetime(2027, 5, 16, tzinfo=LISBON))
    assert one("from april 3 to 10").end == datetime(2027, 4, 11, tzinfo=LISBON)


def test_a_quarter_by_name_is_the_latest_one_that_has_begun():
    p = one("leads created in q3")
    assert (p.start, p.end) == (datetime(2026, 7, 1, tzinfo=LISBON), datetime(2026, 10, 1, tzinfo=LISBON))
    assert one("in q1").start == datetime(2027, 1, 1, tzinfo=LISBON)
    assert one("in q2 2026").start == datetime(2026, 4, 1, tzinfo=LISBON)


def test_numeric_dates_are_day_first_except_in_the_united_states():
    assert one("on 12/05").start == datetime(2027, 5, 12, tzinfo=LISBON)
    us_now = NOW.astimezone(NEW_YORK)
    assert one("on 12/05", now=us_now).start == datetime(2026, 12, 5, tzinfo=NEW_YORK)
    assert one("before 25/12", now=us_now).end == datetime(2026, 12, 25, tzinfo=NEW_YORK)


def test_the_weekend_this_morning_and_the_end_of_the_month():
    p = one("who did I see over the weekend")
    assert (p.start, p.end) == (datetime(2027, 5, 8, tzinfo=LISBON), datetime(2027, 5, 10, tzinfo=LISBON))
    assert one("calls this morning").start == datetime(2027, 5, 13, tzinfo=LISBON)
    assert one("due by the end of the month", prefer="future").end == datetime(2027, 6, 1, tzinfo=LISBON)
