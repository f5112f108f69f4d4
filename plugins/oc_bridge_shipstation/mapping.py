"""Mapping between the canonical model and ShipStation V1 JSON (orders out, shipments in).

Pure functions: no I/O, so every rule here is tested without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from oc_bridge.canonical import (
    FulfilmentAddress,
    FulfilmentOrder,
    ShipmentReport,
    ShippedLine,
)
from oc_bridge.errors import MappingError

from .dates import format_local, parse_local

__all__ = [
    "ORDER_KEY_PREFIX",
    "SOURCE",
    "fulfillment_key",
    "order_key",
    "order_payload",
    "order_ref_of",
    "shipment_key",
    "shipment_report",
]

ORDER_KEY_PREFIX = "orderchamp:"
SOURCE = "orderchamp"
AWAITING_SHIPMENT = "awaiting_shipment"
CANCELLED = "cancelled"

_GRAMS_PER_UNIT = {"grams": Decimal(1), "ounces": Decimal("28.349523125"),
                   "pounds": Decimal("453.59237")}


def order_key(reference: str) -> str:
    """The ShipStation ``orderKey`` of an Orderchamp order: the idempotency key of upserts."""
    return ORDER_KEY_PREFIX + reference


def shipment_key(shipment_id: object) -> str:
    """The ledger's dedupe key of a label shipment."""
    return f"shipstation:shipment:{shipment_id}"


def fulfillment_key(fulfillment_id: object) -> str:
    """The ledger's dedupe key of an order marked shipped (a fulfillment)."""
    return f"shipstation:fulfillment:{fulfillment_id}"


def _money(value: Decimal | None) -> float | None:
    # ShipStation takes JSON numbers; two decimals keep the float exact enough for money.
    return None if value is None else float(value.quantize(Decimal("0.01")))


def address_payload(address: FulfilmentAddress, order_number: str) -> dict[str, Any]:
    """A ShipStation address: street, number and addition joined into ``street1``."""
    if not address.country:
        raise MappingError(f"order {order_number}: address has no country")
    name = address.contact_name or address.company or ""
    return {
        "name": name,
        "company": address.company,
        "street1": address.street_line,
        "street2": address.address_line2,
        "street3": None,
        "city": address.city,
        "state": address.region,
        "postalCode": address.postal_code,
        "country": address.country.upper(),
        "phone": address.phone,
        "residential": False,
    }


def order_payload(
    order: FulfilmentOrder,
    *,
    zone: ZoneInfo,
    store_id: int | None,
    status: str = AWAITING_SHIPMENT,
) -> dict[str, Any]:
    """The whole ShipStation order for ``order`` (updates re-send everything).

    ``billTo`` is always sent: ShipStation requires it, and B2B invoices go to the retailer
    even when the parcel goes elsewhere. Raises :class:`MappingError` when the order cannot
    be expressed (no lines, no country).
    """
    if not order.lines:
        raise MappingError(f"order {order.number}: no lines")
    bill_to = order.bill_to if order.bill_to.country else order.ship_to
    items = []
    for line in order.lines:
        name = line.name or line.sku or line.line_ref
        items.append({
            "lineItemKey": line.line_ref,
            "sku": line.sku,
            "name": name,
            "quantity": line.quantity,
            "unitPrice": _money(line.unit_price),
            "upc": line.barcode,
        })
    internal = f"Orderchamp order {order.number} (revision {order.revision})"
    if order.requested_delivery_date:
        internal += f"; requested delivery {order.requested_delivery_date.isoformat()}"
    return {
        "orderNumber": order.number,
        "orderKey": order_key(order.reference),
        "orderDate": format_local(order.order_date, zone) if order.order_date else None,
        "orderStatus": status,
        "customerEmail": order.email or order.bill_to.email or order.ship_to.email,
        "billTo": address_payload(bill_to, order.number),
        "shipTo": address_payload(order.ship_to, order.number),
        "items": items,
        "amountPaid": _money(order.total_price),
        "customerNotes": order.notes,
        "internalNotes": internal,
        "requestedShippingService": order.shipping_method,
        "advancedOptions": {
            "storeId": store_id,
            "source": SOURCE,
            "customField1": order.reference,
            "customField2": order.retailer_reference,
        },
    }


def order_ref_of(record: Mapping[str, Any]) -> str | None:
    """The Orderchamp order id behind a ShipStation shipment/order, or None if not ours."""
    key = record.get("orderKey") or ""
    if isinstance(key, str) and key.startswith(ORDER_KEY_PREFIX):
        return key[len(ORDER_KEY_PREFIX):]
    options = record.get("advancedOptions") or {}
    if options.get("source") == SOURCE and options.get("customField1"):
        return str(options["customField1"])
    return None


def _weight_grams(weight: Mapping[str, Any] | None) -> int | None:
    if not weight or weight.get("value") in (None, 0):
        return None
    factor = _GRAMS_PER_UNIT.get(str(weight.get("units", "")).lower())
    if factor is None:
        return None
    return int((Decimal(str(weight["value"])) * factor).to_integral_value())


def _lines(items: list[Mapping[str, Any]], where: str) -> tuple[ShippedLine, ...]:
    lines = []
    for item in items:
        quantity = int(item.get("quantity") or 0)
        # ``adjustment``: "a non-physical adjustment to the order (e.g. a discount or
        # promotional code)" (OrderItem model): nothing was shipped.
        if quantity <= 0 or item.get("adjustment"):
            continue
        ref, sku = item.get("lineItemKey"), item.get("sku")
        if not ref and not sku:
            raise MappingError(f"{where}: an item has neither lineItemKey nor sku")
        lines.append(ShippedLine(line_ref=ref or None, sku=sku or None, quantity=quantity))
    return tuple(lines)


def shipment_report(
    record: Mapping[str, Any],
    *,
    key: str,
    order: Mapping[str, Any] | None,
    zone: ZoneInfo,
    transit_days: int | None,
) -> ShipmentReport:
    """Map a V1 shipment or fulfillment onto a :class:`ShipmentReport`.

    The order is identified by ``orderKey`` first (the record's, else its ``order``'s); then
    ShipStation's ``orderNumber`` is not claimed as Orderchamp's, because *Split Order* keeps
    the key but numbers the child ``<number>-1`` (the number stays in ``source`` for people).
    Only a record without our key is identified by its number. Lines come from
    ``shipmentItems`` (label shipments); a fulfillment carries none, so the whole ``order``
    (its ``items``) is reported as shipped; adjustment items (discounts) are not goods and are
    left out. ``shipped_at`` is ``shipDate`` read in ``zone``; a date-only ``shipDate`` takes
    the time of ``createDate`` when that falls on the same local day, else local midnight; no
    ``shipDate`` falls back to ``createDate``.
    """
    number = record.get("orderNumber") or (order or {}).get("orderNumber")
    source = f"{key} (ShipStation order {number})" if number else key
    ref = order_ref_of(record) or (order_ref_of(order) if order else None)
    items = record.get("shipmentItems")
    if not items and order is not None:
        items = order.get("items")
    lines = _lines(list(items or []), source)
    if not lines:
        raise MappingError(f"{source}: no shipped items")
    ship_text = record.get("shipDate")
    create_text = record.get("createDate")
    shipped_at = parse_local(ship_text, zone)
    if shipped_at is not None and create_text:
        # V1 ship dates are days (midnight); the creation time of that day is more precise.
        local = shipped_at.astimezone(zone)
        created = parse_local(create_text, zone)
        if local.time() == time() and created and created.astimezone(zone).date() == local.date():
            shipped_at = created
    elif shipped_at is None:
        shipped_at = parse_local(create_text, zone)
    return ShipmentReport(
        shipment_key=key,
        order_ref=ref,
        order_number=str(number) if number and not ref else None,
        shipped_at=shipped_at,
        carrier=record.get("carrierCode") or record.get("fulfillmentProviderCode"),
        service=record.get("serviceCode") or record.get("fulfillmentServiceCode"),
        tracking_number=record.get("trackingNumber") or None,
        estimated_transit_days=transit_days,
        weight_grams=_weight_grams(record.get("weight")),
        lines=lines,
        source=source,
    )
