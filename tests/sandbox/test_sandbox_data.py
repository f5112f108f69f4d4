"""Generated data: deterministic from the seed, realistic in shape, consistent in money."""

from __future__ import annotations

import base64
import re
import statistics
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.sandbox.export import order_to_json
from oc_bridge.sandbox.state import SandboxState

ANCHOR = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)

VAT_PATTERNS = {
    "NL": r"NL\d{9}B\d{2}",
    "BE": r"BE0\d{9}",
    "DE": r"DE\d{9}",
    "FR": r"FR\d{11}",
    "AT": r"ATU\d{8}",
    "LU": r"LU\d{8}",
}


def _dump(state: SandboxState) -> list[dict[str, Any]]:
    return [order_to_json(order, "http://x") for order in state.orders]


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = SandboxState(SandboxConfig(orders=80, seed=3, now=ANCHOR))
    again = SandboxState(SandboxConfig(orders=80, seed=3, now=ANCHOR))
    other = SandboxState(SandboxConfig(orders=80, seed=4, now=ANCHOR))
    assert _dump(first) == _dump(again)
    assert _dump(first) != _dump(other)
    assert [v.sku for v in first.variants] == [v.sku for v in again.variants]


def test_ids_numbers_and_catalogue() -> None:
    state = SandboxState(SandboxConfig(orders=20, seed=1, now=ANCHOR))
    order = state.orders[0]
    assert order.id == base64.b64encode(b"Order:1").decode().rstrip("=")
    assert order.number == "OC-100001"
    assert base64.b64decode(order.lines[0].id + "==").decode().startswith("OrderProduct:")
    assert state.account.id == base64.b64encode(b"Account:1").decode().rstrip("=")
    assert 200 <= len(state.variants) <= 600
    assert len({v.sku for v in state.variants}) == len(state.variants)
    for variant in state.variants:
        assert variant.unit_price == variant.unit_price.quantize(Decimal("0.01"))
        assert variant.inventory_policy in ("DENY", "CONTINUE")
        assert [lv.location.is_primary for lv in variant.inventory_levels] == [True]


def test_realistic_shapes_on_a_large_data_set() -> None:
    state = SandboxState(SandboxConfig(orders=2000, seed=11, now=ANCHOR))
    orders = state.orders
    counts = [len(o.lines) for o in orders]
    assert 6.5 <= statistics.mean(counts) <= 9.5
    assert sum(1 for c in counts if 3 <= c <= 15) / len(counts) > 0.85
    assert any(c > 100 for c in counts)
    statuses = Counter(o.status for o in orders)
    assert statuses.most_common(1)[0][0] == "AWAITING_FULFILMENT"
    for status in ("AWAITING_CONFIRMATION", "CANCELLED", "AWAITING_DELIVERY", "COMPLETED"):
        assert statuses[status] > 0, status
    countries = Counter(o.shipping_address.country for o in orders)
    assert countries.most_common(1)[0][0] == "NL"
    assert {"BE", "DE", "FR", "AT"} <= set(countries)
    house_numbers = [o.shipping_address.house_number or "" for o in orders]
    assert any(re.fullmatch(r"\d+[A-C]", h) for h in house_numbers)
    assert any(re.fullmatch(r"\d+-\d", h) for h in house_numbers)
    for order in orders:
        assert order.updated_at >= order.created_at
        assert order.created_at < ANCHOR
        if order.vat_number:
            assert re.fullmatch(VAT_PATTERNS[order.vat_number[:2]], order.vat_number)
        assert "@" in (order.email or "")
        assert order.customer.channel in ("MARKETPLACE", "DROPSHIPPING", "PORTAL")


def test_status_flags_are_consistent() -> None:
    state = SandboxState(SandboxConfig(orders=600, seed=5, now=ANCHOR))
    for order in state.orders:
        if order.status == "AWAITING_CONFIRMATION":
            assert not order.is_confirmed and not order.invoices
        if order.status == "AWAITING_FULFILMENT":
            assert order.is_confirmed and not order.shipments
            assert [i.type for i in order.invoices] == ["DIRECT_INVOICE"]
        if order.status == "CANCELLED":
            assert order.is_cancelled and order.cancelled_at is not None
        if order.status in ("AWAITING_DELIVERY", "COMPLETED"):
            assert order.is_fulfilled and order.shipments
            assert all(s.is_shipped and s.tracking_number for s in order.shipments)
            assert all(line.unshipped_quantity == 0 for line in order.lines)
        if order.is_confirmed:
            assert order.confirmed_at is not None and order.confirmed_at >= order.created_at


def test_money_adds_up() -> None:
    state = SandboxState(SandboxConfig(orders=200, seed=9, now=ANCHOR))
    cent = Decimal("0.01")
    for order in state.orders:
        assert order.currency == "EUR"
        subtotal = Decimal("0.00")
        for line in order.lines:
            assert line.subtotal_price == line.unit_price * line.quantity
            rate = Decimal("0") if order.is_tax_shifted else Decimal("0.21")
            assert line.tax_price == (line.subtotal_price * rate).quantize(cent, ROUND_HALF_UP)
            assert line.total_price == line.subtotal_price + line.tax_price
            subtotal += line.subtotal_price
        assert order.subtotal_price == subtotal
        assert order.total_price == (
            order.subtotal_price + order.retailer_shipping_price + order.tax_price
        )
        if order.is_tax_shifted:
            assert order.tax_price == 0 and order.shipping_address.country != "NL"


def test_ten_thousand_orders_generate() -> None:
    # How fast: bench/sandbox_speed.py.
    sandbox = Sandbox(SandboxConfig(orders=10_000, seed=1, now=ANCHOR))
    assert len(sandbox.state.orders) == 10_000
