"""Plain-JSON views of sandbox objects for the admin endpoint and tests (API field names)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from oc_bridge.sandbox.ids import format_datetime
from oc_bridge.sandbox.model import Address, Invoice, Order, OrderLine, Shipment

__all__ = ["order_summary", "order_to_json"]

_ORDER_SCALARS = (
    "id",
    "number",
    "reference",
    "note",
    "created_at",
    "updated_at",
    "is_test",
    "status",
    "is_confirmed",
    "is_cancelled",
    "is_fulfilled",
    "is_paid",
    "confirmed_at",
    "cancelled_at",
    "cancellation_reason",
    "cancellation_message",
    "paid_at",
    "payment_status",
    "payment_description",
    "delivered_at",
    "estimated_delivery_at",
    "company_name",
    "company_phone",
    "email",
    "first_name",
    "last_name",
    "vat_number",
    "is_tax_shifted",
    "ship_directly_to_customer",
    "currency",
    "total_price",
    "subtotal_price",
    "tax_price",
    "retailer_shipping_price",
    "shipping_method",
    "commission_percentage",
    "commission_price",
    "channel",
)
_LINE_SCALARS = (
    "id",
    "sku",
    "title",
    "quantity",
    "unshipped_quantity",
    "unit_price",
    "subtotal_price",
    "tax_price",
    "total_price",
)
_SHIPMENT_SCALARS = (
    "id",
    "method",
    "weight",
    "is_tracked",
    "is_shipped",
    "shipped_at",
    "tracking_number",
    "tracking_url",
    "carrier",
    "estimated_transit_days",
)
_INVOICE_SCALARS = (
    "id",
    "number",
    "type",
    "created_at",
    "currency",
    "subtotal_price",
    "tax_price",
    "total_price",
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _pick(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {_camel(name): _value(getattr(obj, name)) for name in names}


def _address(address: Address) -> dict[str, Any]:
    return {_camel(f.name): getattr(address, f.name) for f in fields(address)}


def _line(line: OrderLine) -> dict[str, Any]:
    return _pick(line, _LINE_SCALARS)


def _shipment(shipment: Shipment) -> dict[str, Any]:
    data = _pick(shipment, _SHIPMENT_SCALARS)
    data["products"] = [
        {
            "orderProductId": item.order_product.id,
            "sku": item.order_product.sku,
            "quantity": item.quantity,
        }
        for item in shipment.items
    ]
    return data


def _invoice(invoice: Invoice, base_url: str) -> dict[str, Any]:
    data = _pick(invoice, _INVOICE_SCALARS)
    data["pdfUrl"] = base_url + invoice.pdf_path
    return data


def order_summary(order: Order) -> dict[str, Any]:
    """``id``, ``number``, ``status`` and ``updatedAt`` of an order."""
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "updatedAt": format_datetime(order.updated_at),
    }


def order_to_json(order: Order, base_url: str) -> dict[str, Any]:
    """The whole order: fields, customer, addresses, lines, shipments and invoices."""
    data = _pick(order, _ORDER_SCALARS)
    customer = order.customer
    data["customer"] = {
        "id": customer.id,
        "companyName": customer.company_name,
        "email": customer.email,
        "channel": customer.channel,
    }
    data["shippingAddress"] = _address(order.shipping_address)
    data["billingAddress"] = _address(order.billing_address)
    data["productsCount"] = len(order.lines)
    data["products"] = [_line(line) for line in order.lines]
    data["shipments"] = [_shipment(s) for s in order.shipments]
    data["invoices"] = [_invoice(i, base_url) for i in order.invoices]
    return data
