"""Turning warehouse shipment records (polled or pushed) into canonical shipment reports.

Each record is read with the configured field map; a record that cannot be read becomes an
:class:`~oc_bridge.canonical.InboundProblem` (kept for a human), never a silent drop. The
shipment key is ``rest:<instance>:<shipment id>``, stable across polls and webhooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from oc_bridge.canonical import InboundProblem, ShipmentReport, ShippedLine
from oc_bridge_rest.config_feeds import ShipmentFields
from oc_bridge_rest.extract import ExpressionProblem, as_int, as_text, search
from oc_bridge_rest.state import OrderState

__all__ = ["MappedShipments", "ShipmentMapper", "flatten", "parse_datetime"]


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


class ShipmentMapper:
    """Reads shipment records with one field map. ``known_order(external_id)`` and
    ``known_reference(reference)`` look into the adapter's state (order id translation and
    whole-order lines)."""

    def __init__(self, instance: str, fields: ShipmentFields, *,
                 by_external_id: Callable[[str], OrderState | None],
                 by_reference: Callable[[str], OrderState | None]) -> None:
        self.instance = instance
        self.fields = fields
        self.by_external_id = by_external_id
        self.by_reference = by_reference

    def _get(self, expression: str | None, record: Any) -> Any:
        return None if expression is None else search(expression, record)

    def map(self, records: Iterable[Any], source: str) -> MappedShipments:
        """Read every record; unreadable ones become problems with the reason."""
        result = MappedShipments()
        for record in records:
            try:
                if self.fields.skip and search(self.fields.skip, record):
                    continue
                shipment = self._one(record, source)
            except (ValueError, ExpressionProblem, ValidationError) as exc:
                raw = {k: v for k, v in record.items() if k != "_parent"} \
                    if isinstance(record, dict) else {"value": record}
                result.problems.append(InboundProblem(source=source, message=str(exc), raw=raw))
                continue
            result.shipments.append(shipment)
            result.ids.append(shipment.shipment_key.rsplit(":", 1)[-1])
        return result

    def _one(self, record: Any, source: str) -> ShipmentReport:
        f = self.fields
        shipment_id = as_text(self._get(f.shipment_id, record))
        if not shipment_id:
            raise ValueError("shipment record without a shipment id")
        reference = as_text(self._get(f.order_reference, record))
        number = as_text(self._get(f.order_number, record))
        state = self.by_reference(reference) if reference else None
        if reference is None and f.order_id:
            external_id = as_text(self._get(f.order_id, record))
            state = self.by_external_id(external_id) if external_id else None
            if state is None and not number:
                raise ValueError(f"shipment {shipment_id}: warehouse order {external_id} is "
                                 f"not an order this adapter submitted")
            reference = state.reference if state else None
        return ShipmentReport(
            shipment_key=f"rest:{self.instance}:{shipment_id}",
            order_ref=reference,
            order_number=number or (state.number if state else None),
            shipped_at=parse_datetime(self._get(f.shipped_at, record)),
            carrier=as_text(self._get(f.carrier, record)),
            service=as_text(self._get(f.service, record)),
            tracking_number=as_text(self._get(f.tracking_number, record)),
            tracking_url=as_text(self._get(f.tracking_url, record)),
            weight_grams=as_int(self._get(f.weight_grams, record)),
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
        lines = []
        for item in search(spec.records, record) or []:
            quantity = as_int(self._get(spec.quantity, item))
            if quantity is None or quantity < 0:
                raise ValueError(f"shipment {shipment_id}: a line has no valid quantity")
            if quantity == 0:
                continue
            lines.append(ShippedLine(line_ref=as_text(self._get(spec.line_ref, item)),
                                     sku=as_text(self._get(spec.sku, item)), quantity=quantity))
        return lines
