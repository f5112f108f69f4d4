"""Relay global IDs (unpadded base64 of ``Type:number``), money and time helpers."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "format_datetime",
    "global_id",
    "money",
    "order_number",
    "parse_datetime",
    "parse_global_id",
    "utc_now",
]

CENT = Decimal("0.01")


def global_id(type_name: str, number: int) -> str:
    """The opaque ID Orderchamp would give object ``number`` of ``type_name``."""
    return base64.b64encode(f"{type_name}:{number}".encode()).decode("ascii").rstrip("=")


def parse_global_id(value: str) -> tuple[str, int] | None:
    """``(type, number)`` of a global ID, or ``None`` when it is not one of ours."""
    padded = value + "=" * (-len(value) % 4)
    try:
        text = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, number = text.partition(":")
    if not sep or not number.isdigit():
        return None
    return type_name, int(number)


def order_number(seq: int) -> str:
    """The human order number, ``OC-100001`` for the first order."""
    return f"OC-{100000 + seq}"


def money(value: Decimal | int | str) -> Decimal:
    """A Decimal rounded half-up to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def utc_now() -> datetime:
    """The current time in UTC, to the millisecond (what the sandbox stores)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_datetime(value: datetime) -> str:
    """ISO-8601 with offset; milliseconds only when there are any."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(timespec=spec)


def parse_datetime(value: str) -> datetime:
    """Parse an ISO-8601 date-time; a value without offset is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
