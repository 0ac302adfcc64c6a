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


# -- a weekday said with a date ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("order", "text", "expected", "grain"),
    [
        # The date names the day; the weekday only confirms it (NOW is Wednesday 18 November 2026).
        ("MDY", "thursday 10/14", "2027-10-14 10:00", "day"),
        ("MDY", "fri 9/24 3pm", "2027-09-24 15:00", "minute"),
        ("MDY", "thursday 11/26", "2026-11-26 10:00", "day"),
        ("DMY", "thursday 26/11", "2026-11-26 10:00", "day"),
        ("DMY", "mon 30/11", "2026-11-30 10:00", "day"),
        ("DMY", "friday 27th", "2026-11-27 10:00", "day"),
        ("DMY", "sat 28th at 10", "2026-11-28 10:00", "minute"),
        ("DMY", "friday 27", "2026-11-27 10:00", "day"),
        ("DMY", "on friday , 27.11 . at 10:00", "2026-11-27 10:00", "minute"),
        ("DMY", "monday, dec 7", "2026-12-07 10:00", "day"),
        # A day and month that only read one way are read that way, whatever the region's order.
        ("DMY", "thursday 10/14", "2027-10-14 10:00", "day"),
        ("DMY", "fri 9/24 3pm", "2027-09-24 15:00", "minute"),
        ("MDY", "thursday 26/11", "2026-11-26 10:00", "day"),
        # Either order is a date: the one that falls on the weekday wins (4 December is a Friday,
        # 12 April 2027 a Monday).
        ("DMY", "friday 12/4", "2026-12-04 10:00", "day"),
        ("MDY", "monday 4/12", "2027-04-12 10:00", "day"),
        # When they disagree the date wins: 25 November is a Wednesday, 3 March 2027 too.
        ("DMY", "saturday 25th at 10", "2026-11-25 10:00", "minute"),
        ("MDY", "tuesday, march 3rd", "2027-03-03 10:00", "day"),
        ("DMY", "tuesday , march 3rd", "2027-03-03 10:00", "day"),
    ],
)
def test_a_date_said_with_its_weekday_is_that_date(order, text, expected, grain):
    due = DueParser(date_order=order).parse(text, now=NOW)
    assert due is not None
    assert (due.when.strftime("%Y-%m-%d %H:%M"), due.grain) == (expected, grain)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday 9.30", "2026-11-23 09:30"),
        ("monday at 9.30am", "2026-11-23 09:30"),
        ("monday at 9.30", "2026-11-23 09:30"),
        ("mon 9.30", "2026-11-23 09:30"),
        ("sat 10.15", "2026-11-21 10:15"),
        ("friday 14.30", "2026-11-20 14:30"),
        ("friday 11", "2026-11-20 11:00"),
    ],
)
def test_a_dotted_or_bare_time_after_a_weekday_is_the_time_that_day(text, expected):
    due = DueParser(date_order="MDY").parse(text, now=NOW)
    assert (due.when.strftime("%Y-%m-%d %H:%M"), due.grain) == (expected, "minute")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("monday 20 people", "2026-11-23"), ("friday 20 beds", "2026-11-20"), ("sunday 30 sqm", "2026-11-22"),
     ("friday 15 minutes early", "2026-11-20")],
)
def test_a_number_after_a_weekday_that_counts_something_is_no_date(text, expected):
    due = DueParser().parse(text, now=NOW)
    assert (due.when.date().isoformat(), due.grain) == (expected, "day")


# -- "after 3" -------------------------------------------------------------------------------------
MORNING = datetime(2026, 11, 18, 11, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("after 3 today", "2026-11-18 15:00"),
        ("after 3 tomorrow", "2026-11-19 15:00"),
        ("any time after 2pm tomorrow", "2026-11-19 14:00"),
        ("any time after 2 tomorrow", "2026-11-19 14:00"),
        ("anytime after 4 on friday", "2026-11-20 16:00"),
        ("friday after 3", "2026-11-20 15:00"),
        ("after 5", "2026-11-18 17:00"),
        ("after 9.30 on monday", "2026-11-23 09:30"),
    ],
)
def test_after_an_hour_is_that_hour(text, expected):
    due = DueParser().parse(text, now=MORNING)
    assert (due.when.strftime("%Y-%m-%d %H:%M"), due.grain) == (expected, "minute")
    assert not due.past


@pytest.mark.parametrize("text", ["after 3 viewings", "after 2 weeks", "after 3 days of silence", "after 2 offers"])
def test_after_a_count_is_not_a_time(text):
    due = DueParser().parse(text, now=MORNING)
    assert due is None or due.grain == "day"


# -- next month, and counts without a unit --------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected", "grain"),
    [
        ("next month", "2026-12-01 10:00", "day"),  # its first day, as "next week" is its Monday
        ("next month at 3pm", "2026-12-01 15:00", "minute"),
        ("end of next month", "2026-12-31 10:00", "day"),
        ("mid next month", "2026-12-15 10:00", "day"),
        ("the 5th of next month", "2026-12-05 10:00", "day"),
        ("next month on the 5th", "2026-12-05 10:00", "day"),
        ("in a month", "2026-12-18 10:00", "day"),
    ],
)
def test_next_month(text, expected, grain):
    due = DueParser().parse(text, now=NOW)
    assert (due.when.strftime("%Y-%m-%d %H:%M"), due.grain) == (expected, grain)


def test_a_day_of_next_month_is_in_next_month_even_early_in_this_one():
    early = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    assert DueParser().parse("next month on the 5th", now=early).when.date().isoformat() == "2026-12-05"


def test_minutes_count_from_now_and_a_number_without_a_unit_is_no_time():
    assert DueParser().parse("in 20 minutes", now=NOW).when.strftime("%H:%M") == "15:50"
    assert DueParser().parse("in 20 mins", now=NOW).when.strftime("%H:%M") == "15:50"
    for text in ("in 20", "call her in 20", "in 20 or so", "in 20, thanks"):
        assert DueParser().parse(text, now=NOW) is None
