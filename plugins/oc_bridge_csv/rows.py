"""Parsing one row of a shipment file: header names, values, the shipment it belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from oc_bridge.orderchamp.enums import normalise_shipment_method

__all__ = [
    "REQUIRED_COLUMNS",
    "ParsedRow",
    "RowError",
    "normalise_header",
    "parse_row",
    "parse_shipped_at",
    "shipment_key",
]

#: Columns a shipment file must have (any one of the alternatives), as (label, alternatives).
REQUIRED_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("order_number (or order_id)", ("order_number", "order_id")),
    ("sku (or line_id)", ("sku", "line_id")),
    ("quantity", ("quantity",)),
    ("carrier", ("carrier",)),
    ("tracking_number", ("tracking_number",)),
    ("tracking_url", ("tracking_url",)),
    ("shipped_at", ("shipped_at",)),
)


@dataclass(frozen=True)
class ParsedRow:
    """A good row: its values and the key of the shipment (parcel) it belongs to."""

    number: int
    raw: dict[str, str]
    group: tuple[str, ...]
    shipment_key: str
    order_id: str | None
    order_number: str | None
    line_id: str | None
    sku: str | None
    quantity: int
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    shipped_at: datetime | None
    transit_days: int | None
    method: str | None = None
    weight_grams: int | None = None


@dataclass(frozen=True)
class RowError:
    """A bad row: why, its raw values, and its shipment group when that could be told."""

    message: str
    raw: dict[str, str]
    group: tuple[str, ...] | None


#: The earliest plausible ship date; and how far ahead of now one may lie (time zones, skew).
EARLIEST_SHIPPED_AT = datetime(2000, 1, 1, tzinfo=UTC)
SHIPPED_AT_AHEAD = timedelta(days=2)
_DIGITS = re.compile(r"[0-9]+")


def parse_shipped_at(text: str, *, now: datetime | None = None) -> datetime:
    """ISO-8601 date (midnight UTC) or date-time; a date-time without offset is taken as UTC.
    Raises ``ValueError`` otherwise, and for a moment before 2000 or more than two days after
    ``now`` (years 0001 or 9999 are placeholders, not ship dates)."""
    text = text.strip()
    try:
        if not text.isascii():
            raise ValueError("not ASCII")
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 date or date-time (e.g. 2026-11-27 or "
                         "2026-11-27T10:15:00+01:00)") from None
    latest = (now or datetime.now(UTC)) + SHIPPED_AT_AHEAD
    # the year first: converting year 1 or 9999 with an offset would overflow
    if not EARLIEST_SHIPPED_AT.year <= moment.year <= latest.year \
            or not EARLIEST_SHIPPED_AT <= moment <= latest:
        raise ValueError(f"{text!r} is not a plausible ship date (2000-01-01 up to two days "
                         "from now)")
    return moment


def normalise_header(cells: list[str]) -> list[str]:
    """Header names trimmed and lower-cased (a stray BOM is removed too)."""
    return [cell.replace("\ufeff", "").strip().lower() for cell in cells]


def _whole_number(column: str, text: str, *, minimum: int) -> int:
    # ASCII digits only: int() would also take Arabic-Indic or full-width digits, 1_0 and +3
    if not _DIGITS.fullmatch(text.strip()):
        raise ValueError(f"{column}: {text!r} is not a whole number (digits 0-9)")
    value = int(text.strip())
    if value < minimum:
        raise ValueError(f"{column}: must be at least {minimum} (got {text!r})")
    return value


def _group(raw: dict[str, str], order: str, shipped_at: datetime | None) -> tuple[str, ...]:
    if raw.get("shipment_id"):
        return (order, "id", raw["shipment_id"])
    if raw.get("tracking_number"):
        return (order, "tracking", raw["tracking_number"])
    when = shipped_at.isoformat() if shipped_at else raw.get("shipped_at", "")
    return (order, "untracked", raw.get("carrier", ""), when)


def shipment_key(group: tuple[str, ...]) -> str:
    """The stable dedupe key of a shipment group (same content → same key, in any file):
    ``csv:<order>:<shipment_id or tracking number>`` or, untracked without id,
    ``csv:<order>:untracked:<carrier>:<shipped_at>``."""
    order, kind, *rest = group
    if kind == "untracked":
        return ":".join(["csv", order, "untracked", *rest])
    return f"csv:{order}:{rest[0]}"


def parse_row(header: list[str], cells: list[str], number: int) -> ParsedRow | RowError:
    """Parse one data row (row ``number`` of the file). Never raises for bad values."""
    raw = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)
           if name}
    extra = [c for c in cells[len(header):] if c.strip()]
    order = raw.get("order_id") or raw.get("order_number") or ""
    shipped_at: datetime | None = None
    errors: list[str] = []
    if extra or len(cells) < len(header):
        # a short row would read its missing cells as empty: an untracked parcel, say
        errors.append(f"row has {len(cells)} cells but the header has {len(header)} columns")
    if not order:
        errors.append("order_number/order_id: empty")
    if not raw.get("sku") and not raw.get("line_id"):
        errors.append("sku/line_id: both empty")
    quantity = 0
    try:
        quantity = _whole_number("quantity", raw.get("quantity", ""), minimum=1)
    except ValueError as exc:
        errors.append(str(exc))
    if raw.get("shipped_at"):
        try:
            shipped_at = parse_shipped_at(raw["shipped_at"])
        except ValueError as exc:
            errors.append(f"shipped_at: {exc}")
    transit: int | None = None
    if raw.get("estimated_transit_days"):
        try:
            transit = _whole_number("estimated_transit_days", raw["estimated_transit_days"],
                                    minimum=1)
        except ValueError as exc:
            errors.append(str(exc))
    method: str | None = None
    if raw.get("method"):
        try:
            method = normalise_shipment_method(raw["method"])
        except ValueError as exc:
            errors.append(f"method: {exc}")
    weight: int | None = None
    if raw.get("weight"):
        try:
            weight = _whole_number("weight", raw["weight"], minimum=0)
        except ValueError as exc:
            errors.append(f"{exc} (grams)")
    group = _group(raw, order, shipped_at) if order else None
    if errors:
        return RowError("; ".join(errors), raw, group)
    assert group is not None
    return ParsedRow(
        number=number, raw=raw, group=group, shipment_key=shipment_key(group),
        order_id=raw.get("order_id") or None, order_number=raw.get("order_number") or None,
        line_id=raw.get("line_id") or None, sku=raw.get("sku") or None, quantity=quantity,
        carrier=raw.get("carrier") or None, tracking_number=raw.get("tracking_number") or None,
        tracking_url=raw.get("tracking_url") or None, shipped_at=shipped_at,
        transit_days=transit, method=method, weight_grams=weight,
    )
