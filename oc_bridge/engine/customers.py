"""Orderchamp customers in canonical form, for ``customers export`` and ``CUSTOMERS`` adapters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from oc_bridge.canonical import CustomerRecord, FulfilmentAddress
from oc_bridge.models import Customer

__all__ = ["CUSTOMER_COLUMNS", "customer_record", "customer_records", "customer_row"]

CUSTOMER_COLUMNS = ("customer_id", "company_name", "email", "phone", "vat_number", "locale",
                    "channel", "contact_name", "street", "house_number", "address_line2",
                    "postal_code", "city", "country")


def customer_record(customer: Customer, channel: str | None = None) -> CustomerRecord:
    """The canonical record; ``channel`` fills in a channel the API did not report."""
    address = customer.address
    first, _, last = ((address.name or "") if address else "").partition(" ")
    return CustomerRecord(
        customer_ref=customer.id, company_name=customer.company_name, email=customer.email,
        phone=customer.phone, vat_number=customer.vat_number, locale=customer.locale,
        channel=customer.channel or channel,
        address=FulfilmentAddress(
            company=address.company_name, first_name=first or None, last_name=last or None,
            street=address.street, house_number=address.house_number,
            address_line2=address.address_line2, postal_code=address.postal_code,
            city=address.city, country=address.country,
        ) if address else FulfilmentAddress())


def customer_records(customers: Iterable[Customer],
                     channel: str | None = None) -> Iterator[CustomerRecord]:
    """Lazily map customers (streaming: nothing is held)."""
    for customer in customers:
        yield customer_record(customer, channel)


def customer_row(record: CustomerRecord) -> dict[str, Any]:
    """One flat row with :data:`CUSTOMER_COLUMNS` (for CSV and JSON export)."""
    a = record.address
    return {"customer_id": record.customer_ref, "company_name": record.company_name,
            "email": record.email, "phone": record.phone, "vat_number": record.vat_number,
            "locale": record.locale, "channel": record.channel, "contact_name": a.contact_name
            or None, "street": a.street, "house_number": a.house_number,
            "address_line2": a.address_line2, "postal_code": a.postal_code, "city": a.city,
            "country": a.country}
