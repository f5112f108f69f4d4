"""ShipStation V1 date-times: local wall-clock time (US Pacific by default) without an offset.

Reading: a naive value is placed in the configured zone with ``fold=0``. That means a wall time
that does not exist (spring forward, 2026-03-08 02:30 in Los Angeles) is read with the offset
before the change (so it lands one hour later on the clock, 03:30 PDT), and a wall time that
occurs twice (fall back, 2026-11-01 01:30) is read as its first occurrence (PDT). For filter
starts this errs towards an earlier start, which the poll overlap tolerates.

Writing: an aware value is converted to the zone and sent as ``YYYY-MM-DD HH:MM:SS``.

Filter windows: ShipStation compares wall times, so around fall-back a window's wall-time start
can lie *after* records created in the repeated hour (or after its own end). A window that
spans a change of UTC offset therefore starts earlier by the size of the change
(:func:`widen_for_dst`); records read twice are deduplicated by the ledger.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

__all__ = [
    "format_local", "parse_local", "parse_utc_cursor", "to_utc_cursor", "widen_for_dst",
]

_FRACTION = re.compile(r"\.(\d+)")


def parse_local(text: str | None, zone: ZoneInfo) -> datetime | None:
    """Parse a ShipStation date or date-time into an aware UTC datetime (None for empty).

    Accepts ``2026-03-08``, ``2026-03-08T02:30:00``, ``2026-03-08 02:30:00`` and seven-digit
    fractions (``.6270000``). A value that carries an offset keeps it.
    """
    if not text:
        return None
    text = text.strip()
    # Python reads at most six fraction digits; ShipStation sends seven.
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) == 10:
        value = datetime.combine(date.fromisoformat(text), time())
    else:
        value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone, fold=0)
    return value.astimezone(UTC)


def format_local(value: datetime, zone: ZoneInfo) -> str:
    """An aware datetime as ShipStation wants it in filters: zone wall time, no offset."""
    if value.tzinfo is None:
        raise ValueError("format_local needs an aware datetime")
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def to_utc_cursor(value: datetime) -> str:
    """The shipment cursor: an ISO 8601 UTC timestamp (``2026-03-08T10:30:00+00:00``)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_utc_cursor(cursor: str) -> datetime:
    """Read a cursor written by :func:`to_utc_cursor` (naive values are taken as UTC)."""
    value = datetime.fromisoformat(cursor.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def widen_for_dst(start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """``start`` moved earlier by the offset change between ``start`` and ``end`` in ``zone``
    (unchanged when both have the same UTC offset)."""
    before = start.astimezone(zone).utcoffset()
    after = end.astimezone(zone).utcoffset()
    if before is None or after is None or before == after:
        return start
    return start - abs(after - before)
