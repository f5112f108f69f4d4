"""Turning warehouse shipment records (polled or pushed) into canonical shipment reports.

Each record is read with the configured field map (and, with ``lines.request``, one follow-up
request for its lines); a record that cannot be read becomes an
:class:`~oc_bridge.canonical.InboundProblem` of its own (kept for a human), never a silent drop.
The shipment key is ``rest:<instance>:<shipment id>``, stable across polls and webhooks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from oc_bridge.canonical import InboundProblem, ShipmentReport, ShippedLine
from oc_bridge.errors import ClientRequestError, MalformedResponseError
from oc_bridge_rest.config_feeds import LinesRequestConfig, ShipmentFields
from oc_bridge_rest.extract import ExpressionProblem, as_int, as_text, search
from oc_bridge_rest.state import OrderState

__all__ = ["FetchLines", "MappedShipments", "ShipmentMapper", "flatten", "parse_datetime"]


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 text (``Z`` allowed, space instead of ``T`` allowed) or epoch seconds as
    an aware datetime; naive values are taken as UTC. None when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC)
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def flatten(records: Iterable[Any], sub_records: str | None) -> list[Any]:
    """The shipment records: each record itself, or the ``sub_records`` inside each record
    with its parent available as ``_parent``."""
    if sub_records is None:
        return list(records)
    out: list[Any] = []
    for parent in records:
        for child in search(sub_records, parent) or []:
            out.append({**child, "_parent": parent} if isinstance(child, dict) else child)
    return out


@dataclass
class MappedShipments:
    """The shipments read from a batch of records, and the records that could not be read."""

    shipments: list[ShipmentReport] = field(default_factory=list)
    problems: list[InboundProblem] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


#: Sends a shipment's follow-up lines request: ``(request, record) -> answer body``.
FetchLines = Callable[[LinesRequestConfig, Any], Any]


class _Skip(Exception):
    """The record is skipped by a documented rule (``skip``, ``unknown_orders = "skip"``)."""


def _raw(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return {k: v for k, v in record.items() if k != "_parent"}
    return {"value": record}


def _digest(record: Any) -> str:
    """A short stable name for a record that has no readable id (same record, same name)."""
    text = json.dumps(_raw(record), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class ShipmentMapper:
    """Reads shipment records with one field map. ``by_external_id`` and ``by_reference`` look
    into the adapter's state (order id translation, whole-order lines, "is this our order");
    ``fetch_lines`` sends the follow-up request of ``lines.request``."""

    def __init__(self, instance: str, fields: ShipmentFields, *,
                 by_external_id: Callable[[str], OrderState | None],
                 by_reference: Callable[[str], OrderState | None],
                 fetch_lines: FetchLines | None = None) -> None:
        self.instance = instance
        self.fields = fields
        self.by_external_id = by_external_id
        self.by_reference = by_reference
        self.fetch_lines = fetch_lines

    def _get(self, expression: str | None, record: Any) -> Any:
        return None if expression is None else search(expression, record)

    def map(self, records: Iterable[Any], source: str) -> MappedShipments:
        """Read every record (see :meth:`read`)."""
        result = MappedShipments()
        for record in records:
            found = self.read(record, source)
            if isinstance(found, InboundProblem):
                result.problems.append(found)
            elif found is not None:
                result.shipments.append(found)
                result.ids.append(found.shipment_key.rsplit(":", 1)[-1])
        return result

    def read(self, record: Any, source: str) -> ShipmentReport | InboundProblem | None:
        """One record as a shipment; None when a documented rule skips it; an
        :class:`InboundProblem` of its own (named by the record's shipment id, or a digest of
        the record, with its order when known) when it cannot be read. A transient failure of
        the follow-up lines request is raised (the caller stops and reads it again later)."""
        known: dict[str, str | None] = {}
        try:
            if self.fields.skip and search(self.fields.skip, record):
                return None
            return self._one(record, source, known)
        except _Skip:
            return None
        except (ValueError, ExpressionProblem, ValidationError, ClientRequestError,
                MalformedResponseError) as exc:
            name = known.get("id")
            what = f"shipment {name}" if name else f"record {_digest(record)}"
            return InboundProblem(source=f"{source} {what}", message=str(exc), raw=_raw(record),
                                  order_reference=known.get("reference"),
                                  order_number=known.get("number"))

    def _one(self, record: Any, source: str, known: dict[str, str | None]) -> ShipmentReport:
        f = self.fields
        shipment_id = known["id"] = as_text(self._get(f.shipment_id, record))
        reference = known["reference"] = as_text(self._get(f.order_reference, record))
        number = known["number"] = as_text(self._get(f.order_number, record))
        if not shipment_id:
            raise ValueError("shipment record without a shipment id")
        state = self.by_reference(reference) if reference else None
        if reference and state is None and f.unknown_orders == "skip":
            raise _Skip
        if reference is None and f.order_id:
            external_id = as_text(self._get(f.order_id, record))
            state = self.by_external_id(external_id) if external_id else None
            if state is None and f.unknown_orders == "skip":
                raise _Skip
            if state is None and not number:
                raise ValueError(f"shipment {shipment_id}: warehouse order {external_id} is "
                                 f"not an order this adapter submitted")
            reference = known["reference"] = state.reference if state else None
        known["number"] = number = number or (state.number if state else None)
        return ShipmentReport(
            shipment_key=f"rest:{self.instance}:{shipment_id}",
            order_ref=reference,
            order_number=number,
            shipped_at=parse_datetime(self._get(f.shipped_at, record)),
            carrier=as_text(self._get(f.carrier, record)),
            service=as_text(self._get(f.service, record)),
            tracking_number=as_text(self._get(f.tracking_number, record)),
            tracking_url=as_text(self._get(f.tracking_url, record)),
            weight_grams=as_int(self._get(f.weight_grams, record)),
            method=as_text(self._get(f.method, record)),
            lines=tuple(self._lines(record, shipment_id, state)),
            source=f"{source} shipment {shipment_id}",
        )

    def _lines(self, record: Any, shipment_id: str, state: OrderState | None) -> list[ShippedLine]:
        spec = self.fields.lines
        if spec is None:
            if state is None or not state.lines:
                raise ValueError(f"shipment {shipment_id} lists no lines and the order's lines "
                                 "are unknown to this adapter")
            return [ShippedLine(line_ref=ref, sku=sku, quantity=qty)
                    for ref, sku, qty in state.lines]
        source = record
        if spec.request is not None:
            if self.fetch_lines is None:  # excluded by construction; kept for type narrowing
                raise ValueError("lines.request is configured but cannot be sent here")
            source = self.fetch_lines(spec.request, record)
        lines = []
        for item in search(spec.records, source) or []:
            quantity = as_int(self._get(spec.quantity, item))
            if quantity is None or quantity < 0:
                raise ValueError(f"shipment {shipment_id}: a line has no valid quantity")
            if quantity == 0:
                continue
            lines.append(ShippedLine(line_ref=as_text(self._get(spec.line_ref, item)),
                                     sku=as_text(self._get(spec.sku, item)), quantity=quantity))
        return lines
