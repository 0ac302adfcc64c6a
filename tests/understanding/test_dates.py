from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.understanding.dates import DueParser, date_order_for

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=ZoneInfo("Europe/London"))  # Wednesday


@pytest.mark.parametrize(
    ("text", "expected", "grain"),
    [
        ("tomorrow", "2026-11-19 10:00", "day"),
        ("tomorrow morning", "2026-11-19 09:00", "minute"),
        ("friday afternoon", "2026-11-20 14:00", "minute"),
        ("this evening", "2026-11-18 18:00", "minute"),
        ("thursday at noon", "2026-11-19 12:00", "minute"),
        ("at lunchtime tomorrow", "2026-11-19 12:00", "minute"),
        ("eod", "2026-11-18 17:00", "minute"),
        ("end of day tomorrow", "2026-11-19 17:00", "minute"),
        ("wednesday", "2026-11-25 10:00", "day"),
        ("next wednesday", "2026-11-25 10:00", "day"),
        ("next friday", "2026-11-20 10:00", "day"),
        ("next week", "2026-11-23 10:00", "day"),
        ("in 3 days", "2026-11-21 10:00", "day"),
        ("in two weeks", "2026-12-02 10:00", "day"),
        ("in a fortnight", "2026-12-02 10:00", "day"),
        ("in 2 days at 3pm", "2026-11-20 15:00", "minute"),
        ("in 2 hours", "2026-11-18 17:30", "minute"),
        ("in 45 minutes", "2026-11-18 16:15", "minute"),
        ("in half an hour", "2026-11-18 16:00", "minute"),
        ("at 4", "2026-11-18 16:00", "minute"),
        ("saturday at 11", "2026-11-21 11:00", "minute"),
        ("sunday at 2", "2026-11-22 14:00", "minute"),
        ("monday 11am", "2026-11-23 11:00", "minute"),
        ("friday at 2:30pm", "2026-11-20 14:30", "minute"),
        ("tomorrow at 16:00", "2026-11-19 16:00", "minute"),
        ("the 25th", "2026-11-25 10:00", "day"),
        ("on the 3rd", "2026-12-03 10:00", "day"),
        ("dec 3", "2026-12-03 10:00", "day"),
        ("3rd of december at 9am", "2026-12-03 09:00", "minute"),
        ("december 10th at 9am", "2026-12-10 09:00", "minute"),
        ("the day after tomorrow", "2026-11-20 10:00", "day"),
        ("half past 3 tomorrow", "2026-11-19 15:30", "minute"),
        ("next month", "2026-12-01 10:00", "day"),
    ],
)
def test_due_times_follow_the_conventions(text, expected, grain):
    due = DueParser().parse(text, now=NOW)
    assert due is not None
    assert due.when.strftime("%Y-%m-%d %H:%M") == expected
    assert due.grain == grain
    assert due.when.tzinfo is not None


def test_a_bare_time_already_gone_today_moves_to_tomorrow_and_says_so():
    due = DueParser().parse("at 9am", now=NOW)
    assert due.when.strftime("%Y-%m-%d %H:%M") == "2026-11-19 09:00"
    assert due.rolled and not due.past


def test_a_named_day_and_time_already_gone_is_flagged_past():
    due = DueParser().parse("today at 9am", now=NOW)
    assert due.when.strftime("%Y-%m-%d %H:%M") == "2026-11-18 09:00"
    assert due.past


def test_the_day_of_the_month_is_the_next_one_after_today():
    assert DueParser().parse("the 18th", now=NOW).when.date().isoformat() == "2026-12-18"
    assert DueParser().parse("the 10th", now=NOW).when.date().isoformat() == "2026-12-10"


def test_numeric_dates_follow_the_regions_day_month_order():
    assert date_order_for("America/New_York") == "MDY"
    assert date_order_for("Europe/London") == "DMY"
    assert DueParser(date_order="DMY").parse("3/12", now=NOW).when.date().isoformat() == "2026-12-03"
    assert DueParser(date_order="MDY").parse("12/3", now=NOW).when.date().isoformat() == "2026-12-03"


def test_words_that_look_like_days_are_not_days():
    assert DueParser().parse("sat down with him", now=NOW) is None
    assert DueParser().parse("wants a 3 bed for 2 people", now=NOW) is None


@pytest.mark.parametrize("text", ["in 99999999999 days", "feb 30", "at 99:99", "", "🙂"])
def test_impossible_times_are_no_time_rather_than_an_error(text):
    due = DueParser().parse(text, now=NOW)
    assert due is None or due.when.year < 10000
