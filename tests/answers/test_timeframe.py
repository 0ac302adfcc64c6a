from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.answers.timeframe import find_periods

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=LONDON)  # a Wednesday


def one(text: str, prefer: str = "past"):
    periods = find_periods(text, now=NOW, prefer=prefer)
    assert len(periods) == 1, periods
    return periods[0]


def test_this_week_runs_from_monday_midnight_to_the_next_monday():
    p = one("leads created this week")
    assert (p.start, p.end) == (datetime(2026, 11, 16, tzinfo=LONDON), datetime(2026, 11, 23, tzinfo=LONDON))


def test_last_week_is_the_previous_calendar_week_but_the_last_seven_days_roll():
    assert one("met last week").start == datetime(2026, 11, 9, tzinfo=LONDON)
    rolling = one("in the last 7 days")
    assert (rolling.start, rolling.end) == (datetime(2026, 11, 11, 15, 30, tzinfo=LONDON), NOW)
    assert one("over the past week").start == datetime(2026, 11, 11, 15, 30, tzinfo=LONDON)


def test_last_month_keeps_local_midnights_across_the_clock_change():
    p = one("created last month")
    assert p.start == datetime(2026, 10, 1, tzinfo=LONDON) and p.start.utcoffset().total_seconds() == 3600
    assert p.end == datetime(2026, 11, 1, tzinfo=LONDON) and p.end.utcoffset().total_seconds() == 0


def test_since_a_month_name_means_its_first_day_this_year_and_is_open_ended():
    p = one("since january")
    assert (p.start, p.end) == (datetime(2026, 1, 1, tzinfo=LONDON), None)
    assert one("since 1 october").start == datetime(2026, 10, 1, tzinfo=LONDON)


def test_between_two_dates_includes_both_days():
    p = one("between 1 oct and 15 oct")
    assert (p.start, p.end) == (datetime(2026, 10, 1, tzinfo=LONDON), datetime(2026, 10, 16, tzinfo=LONDON))


def test_a_bare_weekday_is_past_for_history_and_coming_for_things_due():
    assert one("on friday").start == datetime(2026, 11, 13, tzinfo=LONDON)
    assert one("due on friday", prefer="future").start == datetime(2026, 11, 20, tzinfo=LONDON)


def test_more_than_n_weeks_ago_has_only_an_end():
    p = one("more than 2 weeks ago")
    assert (p.start, p.end) == (None, datetime(2026, 11, 4, 15, 30, tzinfo=LONDON))


def test_may_the_verb_is_not_a_month():
    assert find_periods("may i see my leads", now=NOW) == []
