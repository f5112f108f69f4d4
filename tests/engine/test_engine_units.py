"""Pure parts of the engine: line allocation, differences, summaries, revisions."""

from __future__ import annotations

import pytest

from oc_bridge.canonical import ShippedLine
from oc_bridge.engine.allocation import ShipmentRejected, allocate_lines
from oc_bridge.engine.diff import describe_difference, fingerprint
from oc_bridge.engine.rules import next_revision
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.models import OrderProduct, OrderStatus
from oc_bridge.store import ExportOperation, ExportRecord, ExportState
from oc_bridge.testing.fixtures import make_fulfilment_order, make_order


def _order(**kw: object):
    products = (
        OrderProduct(id="l1", sku="MUG", quantity=3, unshipped_quantity=2),
        OrderProduct(id="l2", sku="TEA", quantity=5, unshipped_quantity=5),
        OrderProduct(id="l3", sku="MUG", quantity=4, unshipped_quantity=4),
    )
    return make_order(number="OC-100004", products=products, **kw)


def test_allocates_by_line_and_across_equal_skus() -> None:
    order = _order()
    assert allocate_lines(order, [ShippedLine(line_ref="l2", quantity=5)]) == [("l2", 5)]
    assert allocate_lines(order, [ShippedLine(sku="MUG", quantity=5)]) == [("l1", 2), ("l3", 3)]
    lines = [ShippedLine(line_ref="l1", quantity=1), ShippedLine(sku="MUG", quantity=5)]
    assert allocate_lines(order, lines) == [("l1", 2), ("l3", 4)]


@pytest.mark.parametrize(("lines", "reason"), [
    ([ShippedLine(sku="MUG", quantity=7)],
     "line MUG: quantity 7 exceeds unshipped 6 on order OC-100004"),
    ([ShippedLine(line_ref="l1", quantity=3)],
     "line l1: quantity 3 exceeds unshipped 2 on order OC-100004"),
    ([ShippedLine(line_ref="l9", quantity=1)], "line l9: not a line of order OC-100004"),
    ([ShippedLine(sku="CANDLE", quantity=1)], "line CANDLE: SKU not on order OC-100004"),
    ([ShippedLine(sku="TEA", quantity=0)], "line TEA: quantity 0 must be at least 1"),
    ([ShippedLine(line_ref="l2", sku="MUG", quantity=1)],
     "line l2: SKU MUG does not match the order line's SKU TEA on order OC-100004"),
    ([ShippedLine(sku="TEA", quantity=4), ShippedLine(sku="TEA", quantity=2)],
     "line TEA: quantity 2 exceeds unshipped 1 on order OC-100004"),
])
def test_rejects_with_exact_reason(lines: list[ShippedLine], reason: str) -> None:
    with pytest.raises(ShipmentRejected) as caught:
        allocate_lines(_order(), lines)
    assert str(caught.value) == reason


def test_every_bad_line_is_named() -> None:
    with pytest.raises(ShipmentRejected, match=r"line l9: .*; line CANDLE: "):
        allocate_lines(_order(), [ShippedLine(line_ref="l9", quantity=1),
                                  ShippedLine(sku="CANDLE", quantity=1)])


@pytest.mark.parametrize(("changes", "reason"), [
    ({"is_confirmed": False, "status": OrderStatus.AWAITING_CONFIRMATION},
     "order OC-100004 is not confirmed"),
    ({"is_cancelled": True, "status": OrderStatus.CANCELLED}, "order OC-100004 is cancelled"),
    ({"status": OrderStatus.CANCELLATION_REQUESTED},
     "order OC-100004 has a cancellation request"),
])
def test_order_must_be_shippable(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(ShipmentRejected, match=f"^{reason}$"):
        allocate_lines(_order(**changes), [ShippedLine(sku="TEA", quantity=1)])


def test_difference_names_fields_and_lines() -> None:
    old = make_fulfilment_order(2)
    lines = (old.lines[0].model_copy(update={"quantity": 9}),)
    extra = old.lines[1].model_copy(update={"line_ref": "new-1", "sku": "NEW"})
    new = old.model_copy(update={"notes": "x", "lines": (*lines, extra)})
    text = describe_difference(fingerprint(old), fingerprint(new))
    first, second = old.lines
    assert text == (  # lines in the order of their references
        f"fields changed: notes; line new-1 (NEW) added, quantity {second.quantity}; "
        f"line {first.line_ref} ({first.sku}): quantity {first.quantity} -> 9; "
        f"line {second.line_ref} ({second.sku}) removed")
    assert describe_difference(None, fingerprint(new)).startswith("the content changed")


def _rec(**kw: object) -> ExportRecord:
    base = dict(instance="wh", order_id="o", order_number="OC-1", state=ExportState.EXPORTED,
                operation=ExportOperation.SUBMIT, revision=1, digest="a", fingerprint=None,
                pending_revision=None, pending_digest=None, pending_fingerprint=None,
                external_id=None, attempts=0, last_error=None, created_at="", updated_at="")
    base.update(kw)
    return ExportRecord(**base)  # type: ignore[arg-type]


def test_next_revision() -> None:
    assert next_revision(_rec(), "a") is None
    assert next_revision(_rec(), "b") == 2
    assert next_revision(_rec(pending_revision=2, pending_digest="b"), "b") == 2
    assert next_revision(_rec(pending_revision=2, pending_digest="b"), "c") == 3
    assert next_revision(_rec(revision=None), "b") is None


def test_summary() -> None:
    one = SyncSummary(exported=2)
    two = SyncSummary(dry_run=True)
    two.add_parked("bad")
    merged = one.merge(two)
    assert (merged.exported, merged.parked, merged.exit_code, merged.dry_run) == (2, 1, 4, True)
    assert merged.to_dict()["exit_code"] == 4 and merged.to_dict()["parked_reasons"] == ["bad"]
    assert SyncSummary().exit_code == 0
    assert any("bad" in line for line in merged.lines())
