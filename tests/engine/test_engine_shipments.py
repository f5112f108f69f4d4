"""Reporting shipments back to the real sandbox: validation, allocation, crash resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from engine_fakes import FakeAdapter, FakeHooks, FlakyClient

from oc_bridge.canonical import InboundProblem, ShipmentReport, ShippedLine
from oc_bridge.engine import SyncEngine
from oc_bridge.errors import AmbiguousMutationError, NetworkError
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ParkedKind, ShipmentState, SqliteStore

Engine = Callable[..., SyncEngine]


def report(order: dict[str, Any], key: str = "P1", **kw: Any) -> ShipmentReport:
    """A report shipping every line of ``order`` in full, by SKU, tracked."""
    lines = kw.pop("lines", None) or tuple(
        ShippedLine(sku=p["sku"], quantity=p["unshippedQuantity"]) for p in order["products"])
    values: dict[str, Any] = {"shipment_key": key, "order_number": order["number"],
                              "carrier": "PostNL", "tracking_number": "3SABC123",
                              "tracking_url": "https://postnl.nl/t/3SABC123", "lines": lines}
    values.update(kw)
    return ShipmentReport(**values)


@pytest.fixture
def order(sandbox: Sandbox, make_engine: Engine) -> dict[str, Any]:
    created = sandbox.create_order(lines=2)
    make_engine().process_order(created["id"])  # the ledger now knows its number
    return sandbox.get_order(created["id"])


def shipments(sandbox: Sandbox, order: dict[str, Any]) -> list[dict[str, Any]]:
    return sandbox.get_order(order["id"])["shipments"]


def test_reports_a_tracked_shipment_once(make_engine: Engine, adapter: FakeAdapter,
                                         sandbox: Sandbox, order: dict[str, Any],
                                         hooks: FakeHooks, store: SqliteStore) -> None:
    adapter.reports = [report(order)]
    summary = make_engine().pull_shipments()
    assert (summary.shipments_reported, summary.orders_fulfilled, summary.ok) == (1, 1, True)
    [shipped] = shipments(sandbox, order)
    assert shipped["isShipped"] and shipped["isTracked"]
    assert (shipped["trackingNumber"], shipped["carrier"]) == ("3SABC123", "PostNL")
    assert sandbox.get_order(order["id"])["status"] == "AWAITING_DELIVERY"
    assert hooks.reported == [("wh", "P1", shipped["id"])]
    assert adapter.acknowledged[-1][0].ok
    assert store.get_cursor("shipments:wh")
    adapter.reports = [report(order)]  # the same parcel again
    again = make_engine().pull_shipments()
    assert (again.duplicates_skipped, again.shipments_reported) == (1, 0)
    assert adapter.acknowledged[-1][0].ok and len(shipments(sandbox, order)) == 1


def test_untracked_shipment_gets_transit_days(make_engine: Engine, adapter: FakeAdapter,
                                              sandbox: Sandbox, order: dict[str, Any]) -> None:
    first, second = order["products"]
    adapter.reports = [
        report(order, "A", tracking_number=None, tracking_url=None, estimated_transit_days=2,
               lines=(ShippedLine(line_ref=first["id"], quantity=1),)),
        report(order, "B", tracking_number=" ", lines=(ShippedLine(line_ref=second["id"],
                                                                   quantity=1),)),
    ]
    assert make_engine().pull_shipments().shipments_reported == 2
    one, two = shipments(sandbox, order)
    assert (one["isTracked"], one["estimatedTransitDays"]) == (False, 2)
    assert (two["isTracked"], two["estimatedTransitDays"]) == (False, 4)  # settings default


def test_allocates_a_sku_across_lines(make_engine: Engine, adapter: FakeAdapter,
                                      sandbox: Sandbox) -> None:
    sku = sandbox.state.variants[0].sku
    created = sandbox.create_order(skus=[sku, sku])
    make_engine().process_order(created["id"])
    full = sandbox.get_order(created["id"])
    total = sum(p["unshippedQuantity"] for p in full["products"])
    adapter.reports = [report(full, lines=(ShippedLine(sku=sku, quantity=total),))]
    assert make_engine().pull_shipments().shipments_reported == 1
    [shipped] = shipments(sandbox, full)
    assert sorted((p["orderProductId"], p["quantity"]) for p in shipped["products"]) == \
        sorted((p["id"], p["unshippedQuantity"]) for p in full["products"])


def test_invalid_shipments_are_parked_with_exact_reasons(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, order: dict[str, Any],
        store: SqliteStore, hooks: FakeHooks) -> None:
    line = order["products"][0]
    too_many = line["unshippedQuantity"] + 3
    unconfirmed = sandbox.get_order(sandbox.create_order(confirmed=False, lines=1)["id"])
    adapter.reports = [
        report(order, "X1", lines=(ShippedLine(sku=line["sku"], quantity=too_many),)),
        report({"number": "OC-999999", "products": order["products"]}, "X2"),
        report(unconfirmed, "X3",
               order_number=None, order_ref=unconfirmed["id"]),
    ]
    adapter.problems = [InboundProblem(source="ship.csv:4", message="bad date 31-02")]
    summary = make_engine().pull_shipments()
    expected = [
        f"line {line['sku']}: quantity {too_many} exceeds unshipped "
        f"{line['unshippedQuantity']} on order {order['number']}",
        "unknown order number OC-999999",
        f"order {unconfirmed['number']} is not confirmed",
    ]
    assert summary.parked == 4 and summary.exit_code == 4
    assert summary.parked_reasons == ["ship.csv:4: bad date 31-02", *expected]
    assert [o.message for o in adapter.acknowledged[-1]] == expected
    assert not any(o.ok for o in adapter.acknowledged[-1])
    parked = store.list_parked()
    assert [(p.kind, p.reference) for p in parked] == [
        (ParkedKind.INBOUND, "ship.csv:4"), (ParkedKind.SHIPMENT, "X1"),
        (ParkedKind.SHIPMENT, "X2"), (ParkedKind.SHIPMENT, "X3")]
    assert {kind for kind, *_ in hooks.parked} == {"inbound", "shipment"}
    assert shipments(sandbox, order) == []
    # once the order is confirmed, retrying the parked shipment reports it
    sandbox.confirm_order(unconfirmed["id"])
    retried = make_engine().retry_parked(parked[3].id)
    assert retried.shipments_reported == 1 and retried.ok
    assert store.get_parked(parked[3].id).resolved_at is not None


def test_transient_errors_retry_then_park(make_engine: Engine, adapter: FakeAdapter,
                                          client: OrderchampClient, order: dict[str, Any],
                                          store: SqliteStore, sandbox: Sandbox) -> None:
    flaky = FlakyClient(client)
    flaky.fail["get_order"] = [(NetworkError("timeout"), False)] * 3
    adapter.reports = [report(order)]
    first = make_engine(client=flaky).pull_shipments()
    assert first.failed == 1 and adapter.acknowledged[-1][0].ok  # the ledger holds it now
    assert store.get_shipment("wh", "P1").state == ShipmentState.FAILED
    assert make_engine(client=flaky).pull_shipments().failed == 1  # resumed from the ledger
    third = make_engine(client=flaky).pull_shipments()
    assert third.parked == 1 and "gave up after 3 attempts" in third.parked_reasons[0]
    assert make_engine().retry_parked().shipments_reported == 1
    assert len(shipments(sandbox, order)) == 1


def _begin(store: SqliteStore, order: dict[str, Any], key: str = "P1") -> list[tuple[str, int]]:
    lines = [(p["id"], p["unshippedQuantity"]) for p in order["products"]]
    store.receive_shipment("wh", key, report_json=report(order, key).model_dump_json(),
                           order_id=order["id"], order_number=order["number"])
    store.begin_shipment_create("wh", key, order_id=order["id"], order_number=order["number"],
                                lines=lines)
    return lines


def test_resume_creating_adopts_the_shipment_made_before_the_crash(
        make_engine: Engine, client: OrderchampClient, sandbox: Sandbox,
        order: dict[str, Any], store: SqliteStore) -> None:
    lines = _begin(store, order)
    made = client.create_shipment(order["id"], lines)  # the crash came before recording it
    flaky = FlakyClient(client)
    summary = make_engine(client=flaky).pull_shipments()
    assert summary.shipments_reported == 1 and "create_shipment" not in flaky.calls
    [shipped] = shipments(sandbox, order)
    assert shipped["id"] == made.id and shipped["isShipped"]
    assert store.get_shipment("wh", "P1").oc_shipment_id == made.id


def test_resume_creating_creates_when_nothing_was_made(
        make_engine: Engine, sandbox: Sandbox, order: dict[str, Any],
        store: SqliteStore) -> None:
    _begin(store, order)
    assert make_engine().pull_shipments().shipments_reported == 1
    assert len(shipments(sandbox, order)) == 1


def test_adoption_skips_shipments_other_rows_claim(
        make_engine: Engine, client: OrderchampClient, sandbox: Sandbox,
        store: SqliteStore) -> None:
    created = sandbox.create_order(lines=4)
    full = sandbox.get_order(created["id"])
    line = max(full["products"], key=lambda p: p["unshippedQuantity"])
    assert line["unshippedQuantity"] >= 2  # two parcels of one piece each
    make_engine().process_order(created["id"])
    one = [(line["id"], 1)]
    other = client.create_shipment(created["id"], one)
    for key in ("A", "B"):
        store.receive_shipment("wh", key, report_json=report(full, key, lines=(
            ShippedLine(line_ref=line["id"], quantity=1),)).model_dump_json(),
            order_id=created["id"], order_number=created["number"])
        store.begin_shipment_create("wh", key, order_id=created["id"],
                                    order_number=created["number"], lines=one)
    store.record_shipment_created("wh", "A", other.id)
    assert make_engine().pull_shipments().shipments_reported == 2
    ids = {s["id"] for s in shipments(sandbox, full)}
    assert len(ids) == 2 and other.id in ids


def test_resume_created_ships_or_records(make_engine: Engine, client: OrderchampClient,
                                         sandbox: Sandbox, order: dict[str, Any],
                                         store: SqliteStore) -> None:
    lines = _begin(store, order)
    made = client.create_shipment(order["id"], lines)
    store.record_shipment_created("wh", "P1", made.id)
    assert make_engine().pull_shipments().shipments_reported == 1
    assert shipments(sandbox, order)[0]["isShipped"]
    # crash after shipmentShip but before recording: already shipped, never shipped again
    other = sandbox.create_order(lines=1)
    make_engine().process_order(other["id"])
    other = sandbox.get_order(other["id"])
    lines = _begin(store, other, "P2")
    made = client.create_shipment(other["id"], lines)
    store.record_shipment_created("wh", "P2", made.id)
    client.ship_shipment(made.id, is_tracked=False, estimated_transit_days=3)
    store.begin_shipment_ship("wh", "P2")
    flaky = FlakyClient(client)
    summary = make_engine(client=flaky).pull_shipments()
    assert summary.shipments_reported == 1 and "ship_shipment" not in flaky.calls
    assert store.get_shipment("wh", "P2").state == ShipmentState.SHIPPED


def test_ambiguous_create_is_never_resent_blindly(
        make_engine: Engine, adapter: FakeAdapter, client: OrderchampClient,
        sandbox: Sandbox, order: dict[str, Any], store: SqliteStore) -> None:
    flaky = FlakyClient(client)
    flaky.fail["create_shipment"] = [(AmbiguousMutationError("timed out after sending"), True)]
    adapter.reports = [report(order)]
    first = make_engine(client=flaky).pull_shipments()
    assert first.failed == 1
    assert store.get_shipment("wh", "P1").state == ShipmentState.FAILED
    second = make_engine(client=flaky).pull_shipments()
    assert second.shipments_reported == 1 and flaky.calls["create_shipment"] == 1
    assert len(shipments(sandbox, order)) == 1


def test_dry_run_reports_nothing(make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox,
                                 order: dict[str, Any], store: SqliteStore) -> None:
    before = store.counts()
    adapter.reports = [report(order)]
    summary = make_engine(dry_run=True).pull_shipments()
    assert summary.shipments_reported == 1 and summary.dry_run
    assert any(p.startswith("report shipment P1") for p in summary.planned)
    assert shipments(sandbox, order) == [] and adapter.acknowledged == []
    assert store.counts() == before and store.get_cursor("shipments:wh") is None


def test_unreadable_records_are_parked_one_each_with_their_order(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, order: dict[str, Any],
        store: SqliteStore) -> None:
    """Issue 10 §3: every unreadable record of one pull is its own parked item naming its
    order; a pull that stopped early still reports what it read and counts as failed."""
    adapter.reports = [report(order)]
    adapter.problems = [
        InboundProblem(source="rest:wh poll shipment 7", message="a line has no valid quantity",
                       raw={"id": 7}, order_number="OC-7"),
        InboundProblem(source="rest:wh poll shipment 8", message="no shipment id",
                       raw={"id": 8}, order_reference="ref-8"),
    ]
    adapter.incomplete = "page 3: HTTP 503"
    summary = make_engine().pull_shipments()
    assert summary.shipments_reported == 1 and summary.parked == 2 and summary.failed == 1
    parked = store.list_parked()
    assert [(p.reference, p.order_number) for p in parked] == [
        ("rest:wh poll shipment 7", "OC-7"), ("rest:wh poll shipment 8", "ref-8")]
    assert store.get_cursor("shipments:wh")  # the cursor covers what was read
