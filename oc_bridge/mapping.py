"""The built-in mapping of an Orderchamp order onto the canonical fulfilment order.

Registered as the last ``oc_bridge_map_order`` implementation, so a site plugin can replace it
(or wrap it to adjust SKUs and the like). Pure functions: no I/O, no settings.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from oc_bridge.canonical import FulfilmentAddress, FulfilmentLine, FulfilmentOrder
from oc_bridge.errors import MappingError
from oc_bridge.models import Address, Order

__all__ = ["map_address", "map_order", "split_house_number", "split_name"]

# Digits first, then any run of separators (space, dash, slash, dot, comma), then the addition.
_HOUSE_NUMBER = re.compile(r"^(\d+)[\s\-/.,]*(.*)$", re.DOTALL)


def split_house_number(value: str | None) -> tuple[str | None, str | None]:
    """Split a Dutch house number into number and addition: ``"12A"`` → ``("12", "A")``,
    ``"12 A"`` → ``("12", "A")``, ``"7-2"`` → ``("7", "2")``, ``"12-bis"`` → ``("12", "bis")``.

    Empty or blank gives ``(None, None)``; a value that does not start with a digit is kept
    whole as the number. Never loses a letter or digit: the alphanumerics of number and addition
    together are exactly those of the input (only separators between them are dropped).
    """
    text = (value or "").strip()
    if not text:
        return None, None
    match = _HOUSE_NUMBER.match(text)
    if match is None:
        return text, None
    number, addition = match.group(1), match.group(2).strip()
    return number, addition or None


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """Split a full name at its first space into first and last name (``None`` when absent)."""
    parts = (name or "").strip().split(None, 1)
    first = parts[0] if parts else None
    last = parts[1] if len(parts) > 1 else None
    return first, last


def _country(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    return text or None


def map_address(address: Address | None, order: Order) -> FulfilmentAddress:
    """The canonical address for ``address``, completed from the order: company from the
    address or ``order.company_name``; contact from ``order.first_name``/``last_name`` (else
    the address ``name`` split at its first space); phone and e-mail from the order; house
    number split into number and addition; country upper-cased."""
    address = address or Address()
    if order.first_name or order.last_name:
        first, last = order.first_name, order.last_name
    else:
        first, last = split_name(address.name)
    number, addition = split_house_number(address.house_number)
    return FulfilmentAddress(
        company=address.company_name or order.company_name,
        first_name=first,
        last_name=last,
        street=address.street,
        house_number=number,
        house_number_addition=addition,
        address_line2=address.address_line2,
        postal_code=address.postal_code,
        city=address.city,
        country=_country(address.country),
        phone=order.company_phone,
        email=order.email,
    )


def map_order(order: Order, *, revision: int) -> FulfilmentOrder:
    """Map ``order`` onto a :class:`FulfilmentOrder` at ``revision``.

    ``reference`` is the Orderchamp order id, ``number`` its display number; one line per
    ``order.products`` entry with ``line_ref`` = order-product id. Ship-to comes from the
    shipping address (falling back to billing), bill-to from billing (falling back to
    shipping). Money stays ``Decimal``. Raises :class:`MappingError` when the result would be
    invalid (a negative quantity, a revision below 1).
    """
    shipping = order.shipping_address or order.billing_address
    billing = order.billing_address or order.shipping_address
    try:
        lines = tuple(
            FulfilmentLine(
                line_ref=product.id,
                sku=product.sku,
                name=product.title,
                quantity=product.quantity,
                unit_price=product.unit_price,
                currency=order.currency,
            )
            for product in order.products
        )
        return FulfilmentOrder(
            reference=order.id,
            number=order.number,
            revision=revision,
            order_date=order.created_at,
            retailer_reference=order.reference,
            notes=order.note,
            requested_delivery_date=(
                order.estimated_delivery_at.date() if order.estimated_delivery_at else None
            ),
            shipping_method=order.shipping_method,
            currency=order.currency,
            total_price=order.total_price,
            email=order.email,
            phone=order.company_phone,
            vat_number=order.vat_number,
            ship_to=map_address(shipping, order),
            bill_to=map_address(billing, order),
            lines=lines,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise MappingError(f"order {order.number} cannot be mapped: {problems}") from exc
