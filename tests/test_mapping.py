"""The built-in Orderchamp → canonical mapping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oc_bridge.errors import MappingError
from oc_bridge.mapping import map_order, split_house_number
from oc_bridge.models import Address, OrderProduct
from oc_bridge.testing import make_order


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12A", ("12", "A")), ("12 A", ("12", "A")), ("7-2", ("7", "2")),
        ("12-bis", ("12", "bis")), ("", (None, None)), (None, (None, None)),
        ("  3 ", ("3", None)), ("101/2", ("101", "2")), ("II", ("II", None)),
        ("12-", ("12", None)), ("4 hs", ("4", "hs")),
    ],
)
def test_house_number_split(raw: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_house_number(raw) == expected


def _alnum(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isalnum())


@given(st.text(max_size=20))
def test_house_number_split_never_loses_characters(raw: str) -> None:
    number, addition = split_house_number(raw)
    assert _alnum(number) + _alnum(addition) == _alnum(raw)
    assert number is None or (number == number.strip() and number)
    assert addition is None or (addition == addition.strip() and addition)


@given(
    st.lists(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
             min_size=1, max_size=5),
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
)
def test_money_stays_decimal(prices: list[Decimal], total: Decimal) -> None:
    products = tuple(OrderProduct(id=f"op{i}", sku=f"S{i}", quantity=1, unit_price=price)
                     for i, price in enumerate(prices))
    mapped = map_order(make_order(products=products, total_price=total), revision=1)
    assert mapped.total_price == total and isinstance(mapped.total_price, Decimal)
    for line, price in zip(mapped.lines, prices, strict=True):
        assert isinstance(line.unit_price, Decimal) and line.unit_price == price


def test_full_mapping() -> None:
    order = make_order(2)
    mapped = map_order(order, revision=3)
    assert (mapped.reference, mapped.number, mapped.revision) == (order.id, order.number, 3)
    assert mapped.order_date == order.created_at
    assert mapped.retailer_reference == order.reference and mapped.notes == order.note
    assert order.estimated_delivery_at is not None
    assert mapped.requested_delivery_date == order.estimated_delivery_at.date()
    assert isinstance(mapped.requested_delivery_date, date)
    assert (mapped.currency, mapped.email, mapped.phone) == ("EUR", order.email,
                                                            order.company_phone)
    assert mapped.vat_number == "NL123456789B01" and mapped.shipping_method == "PostNL"
    ship = mapped.ship_to
    assert (ship.house_number, ship.house_number_addition, ship.country) == ("12", "A", "NL")
    assert (ship.first_name, ship.last_name, ship.company) == ("Anna", "de Vries",
                                                               "Koffie & Co B.V.")
    first = mapped.lines[0]
    assert (first.line_ref, first.sku, first.name) == (
        order.products[0].id, "MUG-STONE-GRY", "Stoneware mug, grey")
    assert first.quantity == order.products[0].quantity and first.currency == "EUR"


def test_address_fallbacks_and_name_split() -> None:
    billing = Address(name="Jan van Dijk", street="Markt", house_number="1", country="be",
                      company_name=None)
    order = make_order(1, shipping_address=None, billing_address=billing, first_name=None,
                       last_name=None, company_name="Winkel BV")
    mapped = map_order(order, revision=1)
    assert mapped.ship_to == mapped.bill_to
    assert (mapped.ship_to.first_name, mapped.ship_to.last_name) == ("Jan", "van Dijk")
    assert mapped.ship_to.company == "Winkel BV" and mapped.ship_to.country == "BE"
    shipping = Address(street="Dam", house_number="5", country="NL")
    only_shipping = map_order(make_order(1, shipping_address=shipping, billing_address=None),
                              revision=1)
    assert only_shipping.bill_to.street == "Dam"


def test_invalid_order_is_a_mapping_error() -> None:
    bad = (OrderProduct(id="op", sku="S", quantity=-1),)
    with pytest.raises(MappingError, match="quantity"):
        map_order(make_order(products=bad), revision=1)
    with pytest.raises(MappingError, match="revision"):
        map_order(make_order(1), revision=0)
