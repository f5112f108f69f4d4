"""Polling shipments: the six paging styles over real HTTP, cursors, and the field map."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakes.rest_wms import FakePagedList, FakePicqer, FakeShipBob
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.testing import make_fulfilment_order

from .conftest import build

PAGING: dict[str, dict[str, Any]] = {
    "none": {"style": "none"},
    "page": {"style": "page", "size_param": "per_page", "size": 3, "total_pages": "meta.pages"},
    "offset": {"style": "offset", "size_param": "limit", "size": 3},
    "cursor": {"style": "cursor", "next_token": "next"},
    "link": {"style": "link"},
    "header": {"style": "header", "header": "next-page", "param": "page"},
    "since_id": {"style": "since_id", "id": "id", "size_param": "limit", "size": 3},
}
#: Requests needed for 8 records, 3 per page.
REQUESTS = {"none": 1, "page": 3, "offset": 3, "cursor": 3, "link": 3, "header": 3,
            "since_id": 3}


def records(count: int = 8) -> list[dict[str, Any]]:
    return [{"id": i, "ref": f"ord-{i}", "carrier": "DHL", "track": f"T{i}",
             "lines": [{"sku": "MUG", "qty": i}]} for i in range(1, count + 1)]


def generic_options(base_url: str, pagination: dict[str, Any], **poll: Any) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "create_order": {"path": "/orders", "id_path": "id", "exists_statuses": [409],
                         "body_fields": {"reference": "order.reference"}},
        "poll_shipments": {
            "path": "/items", "records": "data", "pagination": pagination,
            "fields": {"shipment_id": "id", "order_reference": "ref", "carrier": "carrier",
                       "tracking_number": "track",
                       "lines": {"records": "lines", "sku": "sku", "quantity": "qty"}},
            **poll,
        },
    }


@pytest.fixture
def paged() -> Iterator[Any]:
    fakes: list[FakePagedList] = []

    def start(style: str, items: list[dict[str, Any]]) -> FakePagedList:
        fake = FakePagedList(style, items, size=3).start()
        fakes.append(fake)
        return fake

    yield start
    for fake in fakes:
        fake.stop()


@pytest.mark.parametrize("style", list(PAGING))
def test_every_paging_style_reads_every_record_once(paged: Any, tmp_path: Path,
                                                     style: str) -> None:
    fake = paged(style, records())
    adapter = build(generic_options(fake.base_url, PAGING[style]), tmp_path)
    pull = adapter.fetch_shipments(None)
    adapter.close()
    assert [s.shipment_key for s in pull.shipments] == [f"rest:wms:{i}" for i in range(1, 9)]
    assert pull.shipments[7].lines[0].quantity == 8
    assert pull.shipments[0].carrier == "DHL" and pull.shipments[0].tracking_number == "T1"
    assert len(fake.requests) == REQUESTS[style]
    assert pull.problems == []


def test_next_url_in_the_body_is_followed_as_given(paged: Any, tmp_path: Path) -> None:
    """Issue 11 §1: DRF-style ``{"next": url, "results": [...]}`` paging; the next URL (with
    its own query) is requested exactly as given, never sent as a parameter."""
    fake = paged("next_url", records())
    options = generic_options(fake.base_url, {"style": "next_url", "next_url": "next"},
                              records="results", query={"status": "shipped"})
    adapter = build(options, tmp_path)
    pull = adapter.fetch_shipments(None)
    adapter.close()
    assert [s.shipment_key for s in pull.shipments] == [f"rest:wms:{i}" for i in range(1, 9)]
    assert fake.requests == [{"status": "shipped"}, {"cursor": "3", "sig": "s3"},
                             {"cursor": "6", "sig": "s6"}]


def test_exactly_full_last_page_stops_on_the_empty_one(paged: Any, tmp_path: Path) -> None:
    fake = paged("offset", records(6))
    adapter = build(generic_options(fake.base_url, PAGING["offset"]), tmp_path)
    assert len(adapter.fetch_shipments(None).shipments) == 6
    assert [r.get("offset") for r in fake.requests] == ["0", "3", "6"]
    adapter.close()


def test_since_id_paging_continues_from_the_saved_cursor(paged: Any, tmp_path: Path) -> None:
    fake = paged("since_id", records())
    adapter = build(generic_options(fake.base_url, PAGING["since_id"]), tmp_path)
    first = adapter.fetch_shipments(None)
    assert first.cursor == "8"
    fake.records.append(records(9)[-1])
    second = adapter.fetch_shipments(first.cursor)
    assert [s.shipment_key for s in second.shipments] == ["rest:wms:9"]
    assert second.cursor == "9"
    assert fake.requests[-1]["since_id"] == "8"  # one short page: done
    adapter.close()


def test_id_cursor_is_the_largest_id_and_goes_into_the_query(paged: Any,
                                                              tmp_path: Path) -> None:
    fake = paged("offset", records(5))
    options = generic_options(fake.base_url, PAGING["offset"],
                              cursor={"type": "id", "param": "after"})
    adapter = build(options, tmp_path)
    assert adapter.fetch_shipments(None).cursor == "5"
    assert adapter.fetch_shipments("3").cursor == "5"
    assert fake.requests[-1]["after"] == "3"
    adapter.close()


def test_date_cursor_is_poll_start_minus_overlap(paged: Any, tmp_path: Path) -> None:
    fake = paged("none", records(2))
    options = generic_options(fake.base_url, PAGING["none"], cursor={
        "type": "date", "param": "updated_since", "format": "%Y-%m-%d %H:%M:%S",
        "overlap_seconds": 60})
    moment = datetime(2026, 11, 27, 10, 15, tzinfo=UTC).timestamp()
    adapter = build(options, tmp_path, wall_clock=lambda: moment)
    pull = adapter.fetch_shipments("2026-11-27 09:00:00")
    assert pull.cursor == "2026-11-27 10:14:00"
    assert fake.requests[-1]["updated_since"] == "2026-11-27 09:00:00"
    adapter.close()


def test_unreadable_records_become_problems(paged: Any, tmp_path: Path) -> None:
    items = records(3)
    items[1]["lines"] = [{"sku": "MUG", "qty": "lots"}]
    del items[2]["ref"]
    fake = paged("none", items)
    adapter = build(generic_options(fake.base_url, PAGING["none"]), tmp_path)
    pull = adapter.fetch_shipments(None)
    adapter.close()
    assert [s.shipment_key for s in pull.shipments] == ["rest:wms:1"]
    assert len(pull.problems) == 2
    assert "quantity" in pull.problems[0].message
    assert pull.problems[1].raw is not None and pull.problems[1].raw["id"] == 3


@pytest.mark.usefixtures("secrets_env")
def test_picqer_shipment_by_warehouse_order_id_and_whole_order(
    picqer_fake: FakePicqer, tmp_path: Path
) -> None:
    """Without our reference and without lines, the local map fills both in."""
    from .conftest import picqer_options

    options = picqer_options(picqer_fake)
    options["poll_shipments"] = {"fields": {"order_reference": "no_such_field", "lines": None}}
    merged = _drop_none(options)
    adapter = build(merged, tmp_path, "picqer")
    order = make_fulfilment_order(2)
    adapter.submit_order(order)
    picqer_fake.ship(order, tracking_number="3SABC")
    (shipment,) = adapter.fetch_shipments(None).shipments
    assert shipment.order_ref == order.reference and shipment.order_number == order.number
    assert {ln.line_ref: ln.quantity for ln in shipment.lines} == {
        ln.line_ref: ln.quantity for ln in order.lines}
    assert shipment.tracking_url == "https://track.example/3SABC"
    assert shipment.weight_grams == 1200
    adapter.close()


def _drop_none(options: dict[str, Any]) -> dict[str, Any]:
    from oc_bridge_rest.profile_loader import merge_profile

    merged = merge_profile(options)
    merged["poll_shipments"]["fields"].pop("lines")
    merged.pop("profile")
    return merged


@pytest.mark.usefixtures("secrets_env")
def test_shipbob_next_page_header_and_parent_fields(
    shipbob_adapter: RestWmsAdapter, shipbob_fake: FakeShipBob
) -> None:
    orders = [make_fulfilment_order(1) for _ in range(60)]  # more than one page of 50
    for order in orders:
        shipbob_adapter.submit_order(order)
        shipbob_fake.ship(order)
    pull = shipbob_adapter.fetch_shipments(None)
    assert len(pull.shipments) == 60
    assert {s.order_ref for s in pull.shipments} == {o.reference for o in orders}
    assert shipbob_fake.call_count("GET", "/2025-07/order") == 2
    assert pull.cursor is not None and pull.cursor.endswith("Z")
