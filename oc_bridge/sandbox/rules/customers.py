"""Customer rules (Order Portal): create with required fields, update given fields."""

from __future__ import annotations

from typing import Any

from oc_bridge.sandbox.ids import global_id
from oc_bridge.sandbox.model import Address, Customer, UserError
from oc_bridge.sandbox.rules.outcome import Outcome, fail
from oc_bridge.sandbox.state import SandboxState

__all__ = ["create_customer", "update_customer"]


def _customer_problems(data: dict[str, Any], required: bool) -> list[UserError]:
    errors = []
    if required:
        for name in ("companyName", "locale", "email", "country"):
            if not str(data.get(name) or "").strip():
                errors.append(UserError([name], f"{name} can't be blank"))
    email = data.get("email")
    if email is not None and email.strip() and "@" not in email:
        errors.append(UserError(["email"], "Email is invalid"))
    country = data.get("country")
    if (
        country is not None
        and country.strip()
        and not (len(country) == 2 and country.isalpha() and country.isupper())
    ):
        errors.append(UserError(["country"], "Country must be an ISO 3166 alpha-2 code"))
    return errors


def _address(data: dict[str, Any] | None, company: str | None, country: str | None) -> Address:
    data = data or {}
    return Address(
        company_name=data.get("companyName", company),
        name=data.get("name"),
        street=data.get("street"),
        house_number=data.get("houseNumber"),
        address_line2=data.get("addressLine2"),
        postal_code=data.get("postalCode"),
        city=data.get("city"),
        country=data.get("country") or country,
    )


def create_customer(state: SandboxState, data: dict[str, Any]) -> Outcome[Customer]:
    """Order Portal: add a customer (companyName, locale, email and country required)."""
    errors = _customer_problems(data, required=True)
    if errors:
        return Outcome(None, errors)
    seq = state.generator.counters.next("customer")
    contact = (data.get("address") or {}).get("name") or ""
    first, _, last = contact.partition(" ")
    customer = Customer(
        seq=seq,
        id=global_id("Customer", seq),
        company_name=data["companyName"],
        email=data["email"],
        phone=data.get("phone"),
        vat_number=data.get("vatNumber"),
        locale=data["locale"],
        channel="PORTAL",
        address=_address(data.get("address"), data["companyName"], data["country"]),
        first_name=first,
        last_name=last,
    )
    state.customers.append(customer)
    state.customers_by_id[customer.id] = customer
    state.changed()
    return Outcome(customer)


def update_customer(state: SandboxState, data: dict[str, Any]) -> Outcome[Customer]:
    """Change the given fields of a customer."""
    customer = state.customers_by_id.get(str(data.get("id", "")))
    if customer is None:
        return fail(["id"], f"Customer {data.get('id')} does not exist")
    errors = _customer_problems(data, required=False)
    for name in ("companyName", "locale", "email"):
        if name in data and data[name] is not None and not str(data[name]).strip():
            errors.append(UserError([name], f"{name} can't be blank"))
    if errors:
        return Outcome(None, errors)
    for name, attr in (
        ("companyName", "company_name"),
        ("locale", "locale"),
        ("email", "email"),
        ("phone", "phone"),
        ("vatNumber", "vat_number"),
    ):
        if data.get(name) is not None:
            setattr(customer, attr, data[name])
    if data.get("address") is not None:
        customer.address = _address(
            data["address"], customer.company_name, customer.address.country
        )
    state.changed()
    return Outcome(customer)
