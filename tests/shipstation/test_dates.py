"""V1 date-times are Pacific wall time without offset: parsing, formatting, DST edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from oc_bridge_shipstation.dates import format_local, parse_local, parse_utc_cursor, to_utc_cursor

LA = ZoneInfo("America/Los_Angeles")


def test_parse_seven_digit_fraction_and_date_only() -> None:
    assert parse_local("2026-06-15T11:00:00.6270000", LA) == datetime(
        2026, 6, 15, 18, 0, 0, 627000, tzinfo=UTC)
    assert parse_local("2026-01-15", LA) == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert parse_local("2026-01-15 10:00:00", LA) == datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
    assert parse_local("", LA) is None


def test_offset_in_text_is_kept() -> None:
    assert parse_local("2026-06-15T11:00:00Z", LA) == datetime(2026, 6, 15, 11, tzinfo=UTC)


def test_spring_forward_nonexistent_time_reads_with_standard_offset() -> None:
    # 2026-03-08 02:30 does not exist in Los Angeles; fold=0 reads it as PST (-8).
    assert parse_local("2026-03-08T02:30:00", LA) == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)
    # ... which is 03:30 PDT when written back.
    assert format_local(datetime(2026, 3, 8, 10, 30, tzinfo=UTC), LA) == "2026-03-08 03:30:00"


def test_fall_back_ambiguous_time_reads_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice; fold=0 takes the first (PDT, -7).
    assert parse_local("2026-11-01T01:30:00", LA) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    # Both UTC instants are written as the same wall time.
    first = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    second = first + timedelta(hours=1)
    assert format_local(first, LA) == format_local(second, LA) == "2026-11-01 01:30:00"


def test_cursor_round_trip() -> None:
    moment = datetime(2026, 3, 8, 10, 30, 15, 999, tzinfo=UTC)
    cursor = to_utc_cursor(moment)
    assert cursor == "2026-03-08T10:30:15+00:00"
    assert parse_utc_cursor(cursor) == moment.replace(microsecond=0)
    assert parse_utc_cursor("2026-03-08T10:30:15Z") == moment.replace(microsecond=0)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1),
                    timezones=st.just(UTC)))
def test_format_then_parse_round_trips_outside_the_repeated_hour(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    back = parse_local(format_local(moment, LA), LA)
    local = moment.astimezone(LA)
    if local.fold == 1 or local.replace(fold=1).utcoffset() != local.utcoffset():
        # The repeated hour of fall-back: written ambiguously, read as the first occurrence.
        assert back is not None and back <= moment
    else:
        assert back == moment
