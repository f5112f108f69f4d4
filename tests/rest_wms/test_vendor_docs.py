"""The bundled profiles against the vendors' documented behaviour (issue 11 §1 and §2).

The fakes are written from Picqer's and ShipBob's public documentation (fixtures/SOURCES.md):
Picqer shipments carry no products (the picklist does), ShipBob shipment products carry their
quantity in ``inventory_items``, ShipBob splits orders into shipments with statuses, lists
every channel's orders and answers 429 with ``x-retry-after``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes.rest_wms import FakePicqer, FakeShipBob
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.errors import SettingsError
from oc_bridge.testing import make_fulfilment_order

from .conftest import SHIPBOB_TOKEN, build, picqer_options, shipbob_options


def _lines(report: Any) -> dict[str, int]:
    return {line.sku: line.quantity for line in report.lines}


# --- Picqer -----------------------------------------------------------------------------------


def test_picqer_lines_come_from_the_picklist_and_partials_stay_apart(
    picqer_adapter: RestWmsAdapter, picqer_fake: FakePicqer
) -> None:
    order = make_fulfilment_order(2)
    result = picqer_adapter.submit_order(order)
    idorder = int(result.external_id or 0)
    first, second = order.lines
    picqer_fake.ship_order(idorder, {first.sku: first.quantity, second.sku: 1}, "3SAAA")
    picqer_fake.ship_order(idorder, {second.sku: second.quantity - 1}, "3SBBB")
    assert all("products" not in s for s in picqer_fake.shipments)  # as documented
    pull = picqer_adapter.fetch_shipments(None)
    assert pull.problems == []
    assert [(r.tracking_number, _lines(r)) for r in pull.shipments] == [
        ("3SAAA", {first.sku: first.quantity, second.sku: 1}),
        ("3SBBB", {second.sku: second.quantity - 1}),
    ]
    assert len({r.shipment_key for r in pull.shipments}) == 2
    assert all(r.order_ref == order.reference for r in pull.shipments)


def test_picqer_cancelled_shipment_is_not_reported(picqer_adapter: RestWmsAdapter,
                                                   picqer_fake: FakePicqer) -> None:
    order = make_fulfilment_order(1)
    idorder = int(picqer_adapter.submit_order(order).external_id or 0)
    wrong = picqer_fake.ship_order(idorder, None, "3SWRONG")
    picqer_fake.cancel_shipment(wrong["idshipment"])
    assert picqer_adapter.fetch_shipments(None).shipments == []
    picqer_fake.create_shipment(wrong["idpicklist"], "3SRIGHT")  # a new label, same picklist
    (report,) = picqer_adapter.fetch_shipments(None).shipments
    assert report.tracking_number == "3SRIGHT"
    assert _lines(report) == {order.lines[0].sku: order.lines[0].quantity}


def test_picqer_webshop_orders_in_the_same_account_are_skipped(
    picqer_adapter: RestWmsAdapter, picqer_fake: FakePicqer
) -> None:
    order = make_fulfilment_order(1)
    picqer_adapter.submit_order(order)
    with picqer_fake.lock:  # an order the webshop created in Picqer itself
        webshop = picqer_fake._create({"reference": "WEB-1", "products": [
            {"productcode": "MUG", "amount": 1}]}).body
    picqer_fake.ship_order(webshop["idorder"])
    picqer_fake.ship(order)
    pull = picqer_adapter.fetch_shipments(None)
    assert [r.order_ref for r in pull.shipments] == [order.reference]
    assert pull.problems == []


# --- a user's table over a profile -------------------------------------------------------------


def test_a_table_can_remove_or_replace_a_profile_key(tmp_path: Path, picqer_fake: FakePicqer,
                                                     secrets_env: None) -> None:
    removed = build(picqer_options(picqer_fake, unset=["poll_shipments.fields.lines"]),
                    tmp_path, "removed")
    poll = removed.config.poll_shipments
    assert poll is not None and poll.fields.lines is None
    assert poll.fields.shipment_id == "idpicklist"  # the rest of the table is kept
    removed.close()
    replaced = build(picqer_options(picqer_fake, unset=["poll_shipments.fields.lines"],
                                    poll_shipments={"fields": {"lines": {
                                        "records": "items", "line_ref": "ref"}}}),
                     tmp_path, "replaced")
    poll = replaced.config.poll_shipments
    assert poll is not None and poll.fields.lines is not None
    assert (poll.fields.lines.request, poll.fields.lines.sku) == (None, None)
    replaced.close()
    with pytest.raises(SettingsError, match=r"adapters\.typo\.unset"):
        build(picqer_options(picqer_fake, unset=["poll_shipments.fields.lynes"]), tmp_path,
              "typo")


# --- ShipBob ----------------------------------------------------------------------------------


def test_shipbob_quantities_come_from_inventory_items(shipbob_adapter: RestWmsAdapter,
                                                      shipbob_fake: FakeShipBob) -> None:
    order = make_fulfilment_order(2)
    shipbob_adapter.submit_order(order)
    first = order.lines[0]
    shipbob_fake.ship(order, [(first.line_ref, 1)], tracking_number="1ZPART")
    shipment = shipbob_fake._by_reference(order.reference)[0]["shipments"][0]
    assert "quantity" not in shipment["products"][0]  # as documented
    pull = shipbob_adapter.fetch_shipments(None)
    assert pull.problems == []
    (report,) = pull.shipments
    assert _lines(report) == {first.sku: 1}


def test_shipbob_reports_only_shipments_that_left_and_later_ones_with_tracking(
    shipbob_adapter: RestWmsAdapter, shipbob_fake: FakeShipBob
) -> None:
    order = make_fulfilment_order(2)
    result = shipbob_adapter.submit_order(order)
    first, second = order.lines
    order_id = int(result.external_id or 0)
    waiting = shipbob_fake.add_shipment(order_id, {second.sku: second.quantity})
    gone = shipbob_fake.add_shipment(order_id, {first.sku: first.quantity})
    shipbob_fake.complete_shipment(gone["id"], "1ZFIRST")
    pull = shipbob_adapter.fetch_shipments(None)
    assert [(r.tracking_number, _lines(r)) for r in pull.shipments] == [
        ("1ZFIRST", {first.sku: first.quantity})]
    shipbob_fake.complete_shipment(waiting["id"], "1ZSECOND")
    later = shipbob_adapter.fetch_shipments(pull.cursor)
    assert [(r.tracking_number, _lines(r)) for r in later.shipments
            if r.tracking_number != "1ZFIRST"] == [("1ZSECOND", {second.sku: second.quantity})]


def test_shipbob_other_channels_orders_are_skipped_not_parked(
    shipbob_adapter: RestWmsAdapter, shipbob_fake: FakeShipBob
) -> None:
    order = make_fulfilment_order(1)
    shipbob_adapter.submit_order(order)
    for n in range(3):  # the webshop's orders in the same ShipBob account
        web = shipbob_fake.add_channel_order("777", f"web-{n}", [
            {"reference_id": "MUG", "quantity": 1}])
        shipment = shipbob_fake.add_shipment(web["id"])
        shipbob_fake.complete_shipment(shipment["id"], f"1ZWEB{n}")
    shipbob_fake.ship(order, tracking_number="1ZOURS")
    pull = shipbob_adapter.fetch_shipments(None)
    assert [r.tracking_number for r in pull.shipments] == ["1ZOURS"]
    assert pull.problems == []


def test_shipbob_429_waits_x_retry_after_and_x_remaining_calls(tmp_path: Path,
                                                              secrets_env: None) -> None:
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with FakeShipBob(token=SHIPBOB_TOKEN, rate_limit=3, window=60.0,
                     clock=lambda: now[0]) as fake:
        adapter = build(shipbob_options(fake), tmp_path, "shipbob", sleep=sleep,
                        clock=lambda: now[0])
        order = make_fulfilment_order(1)
        adapter.submit_order(order)   # call 1
        fake.ship(order, tracking_number="1Z")
        adapter.fetch_shipments(None)  # call 2
        pull = adapter.fetch_shipments(None)  # call 3: x-remaining-calls is now 0
        assert fake.throttled == 0 and slept == []
        again = adapter.fetch_shipments(pull.cursor)  # waits for the window, no 429 drawn
        assert fake.throttled == 0 and sum(slept) >= 59
        assert [r.tracking_number for r in again.shipments] == ["1Z"]
        slept.clear()
        fake.throttle_next(25)  # another tool spent the budget: 429, x-retry-after: 25
        third = adapter.fetch_shipments(pull.cursor)
        assert [r.tracking_number for r in third.shipments] == ["1Z"]
        assert 25 in slept and fake.throttled == 1
        adapter.close()


def test_shipbob_stock_pages_by_the_next_url(shipbob_adapter: RestWmsAdapter,
                                            shipbob_fake: FakeShipBob) -> None:
    for n in range(260):
        shipbob_fake.set_stock(f"SKU-{n:03d}", n)
    levels = list(shipbob_adapter.fetch_stock())
    assert len(levels) == 260 and levels[7].sku == "SKU-007" and levels[7].available == 7
    assert shipbob_fake.call_count("GET", "/2025-07/inventory-level") == 2


def test_check_reads_the_first_shipments_with_the_field_map(tmp_path: Path,
                                                            picqer_fake: FakePicqer,
                                                            secrets_env: None) -> None:
    """What a profile assumes is verified by `oc-bridge doctor` on day one: the first
    shipment records are read with the field map, follow-up lines request included."""
    good = build(picqer_options(picqer_fake), tmp_path, "good")
    order = make_fulfilment_order(1)
    good.submit_order(order)
    assert good.check() == []  # no shipment yet: nothing to read
    picqer_fake.ship(order)
    assert good.check() == []
    good.close()
    # the old assumption: products on the shipment itself
    stale = build(picqer_options(picqer_fake, unset=["poll_shipments.fields.lines"],
                                 poll_shipments={"fields": {"lines": {
                                     "records": "products", "sku": "productcode",
                                     "quantity": "amount"}}}), tmp_path, "stale")
    (problem,) = stale.check()
    assert problem.startswith("adapters.stale.poll_shipments.fields.lines.records")
    stale.close()
