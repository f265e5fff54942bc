"""Dates from metadata, URLs and text: conventions, impossible dates, time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from archive.dates import InvalidDate, date_from_text, date_from_url, parse_date


@pytest.mark.parametrize(
    ("value", "dayfirst", "expected"),
    [
        ("2017/2/7", False, date(2017, 2, 7)),
        ("2017/2/7", True, date(2017, 2, 7)),  # year-first is never ambiguous
        ("03/10/2024", True, date(2024, 10, 3)),  # Vietnamese sites: day first
        ("03/10/2024", False, date(2024, 3, 10)),  # US convention: month first
        ("2024-10-03", False, date(2024, 10, 3)),
        ("3 October 2024", False, date(2024, 10, 3)),
        ("Oct 3, 2024", True, date(2024, 10, 3)),
        ("", False, None),
        (None, False, None),
    ],
)
def test_parse_date_conventions(value, dayfirst, expected) -> None:
    assert parse_date(value, dayfirst=dayfirst) == expected


def test_times_are_timezone_aware() -> None:
    assert parse_date("2017/2/7 10:30") == datetime(2017, 2, 7, 10, 30, tzinfo=UTC)
    assert parse_date("26-FEB-1987 15:18:06.67").tzinfo is not None
    value = parse_date("2023-11-06T08:00:00+07:00")
    assert value.utcoffset() == timedelta(hours=7)
    assert parse_date("Mon, 06 Nov 2023 08:00:00 GMT") == datetime(2023, 11, 6, 8, tzinfo=UTC)
    naive = datetime(2020, 1, 1, 12)
    assert parse_date(naive).tzinfo is UTC
    aware = datetime(2020, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_date(aware) == aware


@pytest.mark.parametrize("value", ["31/02/2024", "99/99/9999", "2024/13/40", "0/0/2020"])
def test_impossible_dates_raise_invalid_date(value) -> None:
    with pytest.raises(InvalidDate):
        parse_date(value, dayfirst=True)


@pytest.mark.parametrize("value", ["not a date", "12/12", "3024-01-01", "yesterday-ish"])
def test_junk_raises_invalid_date_not_anything_else(value) -> None:
    with pytest.raises(InvalidDate):
        parse_date(value)


def test_epoch_timestamps() -> None:
    assert parse_date(1_700_000_000) == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert parse_date(1_700_000_000_000) == datetime.fromtimestamp(1_700_000_000, tz=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://www.cnn.com/2013/11/27/travel/weather-thanksgiving/index.html",
            date(2013, 11, 27),
        ),
        ("https://example.com/news/2023-11-06/story", date(2023, 11, 6)),
        ("https://example.com/20231106/story.html", date(2023, 11, 6)),
        ("https://example.com/2023/02/31/story", None),
        ("https://example.com/story?id=20231106", None),
        ("", None),
    ],
)
def test_date_from_url(url, expected) -> None:
    assert date_from_url(url) == expected


def test_date_from_text_uses_the_first_plausible_date() -> None:
    text = "HANOI, 05/04/2023 - Officials said on Tuesday that the 2022-01-01 plan..."
    assert date_from_text(text, dayfirst=True) == date(2023, 4, 5)
    assert date_from_text("Published March 5, 2021 by staff") == date(2021, 3, 5)
    assert date_from_text("No dates here, only 31/02/2024.", dayfirst=True) is None


def test_iso_offsets_and_zone_names_are_kept() -> None:
    assert parse_date("2023-11-06T08:00:00Z") == datetime(2023, 11, 6, 8, tzinfo=UTC)
    eet = parse_date("2021-01-03T17:40:00EET")
    assert eet.utcoffset() == timedelta(hours=2) and eet.hour == 17
    with pytest.raises(InvalidDate):
        parse_date("2024-02-31")
