"""Nothing a poll reads is dropped (issue 10 §3, REST part): each unreadable record is a
problem of its own, with its order when known; a failure on page N still returns pages
1..N-1, and the cursor covers only what was read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.rest_wms import FakePagedList, FakeResponse

from .conftest import build
from .test_shipments import generic_options

OFFSET = {"style": "offset", "size_param": "limit", "size": 3}


def _records() -> list[dict[str, Any]]:
    good = [{"id": i, "ref": f"ord-{i}", "track": f"T{i}", "lines": [{"sku": "MUG", "qty": 1}]}
            for i in range(1, 8)]
    good[1]["lines"][0]["qty"] = "two"        # id 2: unreadable quantity
    good[3]["lines"][0]["qty"] = -1           # id 4: negative quantity
    del good[4]["id"]                         # the 5th: no shipment id at all
    return good


@pytest.fixture
def fake() -> Iterator[FakePagedList]:
    with FakePagedList("offset", _records(), size=3) as paged:
        yield paged


def test_each_unreadable_record_is_its_own_problem(fake: FakePagedList,
                                                   tmp_path: Path) -> None:
    adapter = build(generic_options(fake.base_url, OFFSET,
                                    cursor={"type": "id", "param": "after"}), tmp_path)
    pull = adapter.fetch_shipments(None)
    adapter.close()
    assert [s.shipment_key for s in pull.shipments] == [
        "rest:wms:1", "rest:wms:3", "rest:wms:6", "rest:wms:7"]
    assert len(pull.problems) == 3
    assert len({p.source for p in pull.problems}) == 3  # one parked item each
    by_source = {p.source: p for p in pull.problems}
    two = by_source["rest:wms poll shipment 2"]
    assert two.order_reference == "ord-2" and "quantity" in two.message
    assert two.raw is not None and two.raw["id"] == 2
    assert by_source["rest:wms poll shipment 4"].order_reference == "ord-4"
    (nameless,) = [p for p in pull.problems if "record " in p.source]
    assert nameless.order_reference == "ord-5" and "without a shipment id" in nameless.message
    assert pull.cursor == "7" and pull.incomplete is None
    # the same bad record read again names the same problem (one parked item, updated)
    again = build(generic_options(fake.base_url, OFFSET), tmp_path).fetch_shipments(None)
    assert {p.source for p in again.problems} == set(by_source)


def test_a_failure_on_page_two_still_returns_page_one(fake: FakePagedList,
                                                     tmp_path: Path) -> None:
    adapter = build(generic_options(fake.base_url, OFFSET,
                                    cursor={"type": "id", "param": "after"}), tmp_path)
    fake.fail_next("GET", "/items", FakeResponse(200, {"data": fake.records[:3]}))
    fake.fail_next("GET", "/items", FakeResponse(400, {"message": "offset out of range"}))
    pull = adapter.fetch_shipments("0")
    assert [s.shipment_key for s in pull.shipments] == ["rest:wms:1", "rest:wms:3"]
    assert len(pull.problems) == 1  # id 2, on page 1
    assert pull.incomplete and "offset out of range" in pull.incomplete
    assert pull.cursor == "3"  # past page 1 only: page 2 is read again next time
    sent = len(fake.requests)
    later = adapter.fetch_shipments(pull.cursor)
    assert fake.requests[sent]["after"] == "3"
    assert {"rest:wms:6", "rest:wms:7"} <= {s.shipment_key for s in later.shipments}
    adapter.close()


def test_a_date_cursor_does_not_move_when_a_page_failed(fake: FakePagedList,
                                                        tmp_path: Path) -> None:
    options = generic_options(fake.base_url, OFFSET,
                              cursor={"type": "date", "param": "since"})
    adapter = build(options, tmp_path)
    fake.fail_next("GET", "/items", FakeResponse(200, {"data": fake.records[:3]}))
    fake.fail_next("GET", "/items", FakeResponse(400, {"message": "bad page"}))
    pull = adapter.fetch_shipments("2026-11-27T10:00:00Z")
    assert len(pull.shipments) == 2 and pull.incomplete
    assert pull.cursor == "2026-11-27T10:00:00Z"
    adapter.close()
