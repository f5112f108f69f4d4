"""Submitting orders exactly once: idempotency, duplicates, search-before-create, timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.rest_wms import FakePicqer, FakeResponse, FakeShipBob
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.canonical import FulfilmentLine
from oc_bridge.errors import (
    AmbiguousMutationError,
    AuthenticationError,
    PermanentError,
    RejectedError,
    TransientError,
)
from oc_bridge.testing import make_fulfilment_order

from .conftest import build, picqer_options, shipbob_options

pytestmark = pytest.mark.usefixtures("secrets_env")


def test_picqer_submit_twice_creates_one_processed_order(
    picqer_adapter: RestWmsAdapter, picqer_fake: FakePicqer
) -> None:
    order = make_fulfilment_order(2)
    first = picqer_adapter.submit_order(order)
    second = picqer_adapter.submit_order(order)
    assert not first.already_existed and second.already_existed
    assert first.external_id == second.external_id
    assert picqer_fake.orders_received(order.reference) == 1
    (stored,) = picqer_fake.orders.values()
    assert stored["status"] == "processing"
    assert stored["deliveryaddress"] == order.ship_to.street_line
    assert picqer_fake.call_count("POST", "/api/v1/orders") == 2  # create + process, once


def test_picqer_searches_before_create(
    picqer_fake: FakePicqer, tmp_path: Path
) -> None:
    order = make_fulfilment_order(1)
    earlier = build(picqer_options(picqer_fake), tmp_path / "old", "picqer")
    created = earlier.submit_order(order)
    earlier.close()
    # A new installation (no local state) must find the order instead of creating another.
    adapter = build(picqer_options(picqer_fake), tmp_path / "new", "picqer")
    result = adapter.submit_order(order)
    adapter.close()
    assert result.already_existed and result.external_id == created.external_id
    assert picqer_fake.orders_received(order.reference) == 1
    assert picqer_fake.call_count("GET", "/api/v1/orders") == 2


@pytest.mark.parametrize("look_up_at_once", [True, False])
def test_picqer_create_timeout_then_retry_creates_one_order(
    picqer_fake: FakePicqer, tmp_path: Path, look_up_at_once: bool
) -> None:
    """Acceptance: the create is stored but its answer times out; no second order."""
    options = picqer_options(picqer_fake)
    options["create_order"] = {"lookup_after_timeout": look_up_at_once}
    adapter = build(options, tmp_path, "picqer")
    order = make_fulfilment_order(2)
    picqer_fake.time_out_next_create(1.5)
    if look_up_at_once:
        result = adapter.submit_order(order)
    else:
        with pytest.raises(AmbiguousMutationError):
            adapter.submit_order(order)
        assert picqer_fake.orders_received(order.reference) == 1
        result = adapter.submit_order(order)  # the engine's retry: looks up first
    assert picqer_fake.orders_received(order.reference) == 1
    assert picqer_fake.call_count("POST", "/api/v1/orders") == 2  # one create, one process
    assert result.external_id == str(next(iter(picqer_fake.orders)))
    assert next(iter(picqer_fake.orders.values()))["status"] == "processing"
    again = adapter.submit_order(order)
    assert again.already_existed and again.external_id == result.external_id
    adapter.close()


def test_picqer_failed_follow_up_is_retried_not_the_create(
    picqer_adapter: RestWmsAdapter, picqer_fake: FakePicqer
) -> None:
    order = make_fulfilment_order(1)
    picqer_fake.fail_next("POST", "/api/v1/orders/", FakeResponse(503, {"error": True}))
    with pytest.raises(TransientError):
        picqer_adapter.submit_order(order)
    result = picqer_adapter.submit_order(order)
    assert picqer_fake.orders_received(order.reference) == 1
    assert picqer_fake.orders[int(result.external_id or 0)]["status"] == "processing"


def test_picqer_rejection_is_permanent_and_creates_nothing(
    picqer_adapter: RestWmsAdapter, picqer_fake: FakePicqer
) -> None:
    order = make_fulfilment_order(1)
    odd = order.model_copy(update={"lines": (FulfilmentLine(line_ref="x", quantity=1),)})
    with pytest.raises(RejectedError, match="idproduct or productcode"):
        picqer_adapter.submit_order(odd)
    assert picqer_fake.orders_received(order.reference) == 0
    assert picqer_adapter.store.get(order.reference) is None


def test_picqer_wrong_key_is_an_authentication_error(
    picqer_fake: FakePicqer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PICQER_API_KEY", "wrong-key")
    adapter = build(picqer_options(picqer_fake), tmp_path, "picqer")
    with pytest.raises(AuthenticationError) as caught:
        adapter.submit_order(make_fulfilment_order(1))
    assert "wrong-key" not in str(caught.value)
    adapter.close()


def test_picqer_requires_a_user_agent_with_contact(
    picqer_fake: FakePicqer, tmp_path: Path
) -> None:
    options = picqer_options(picqer_fake, headers={"User-Agent": "anonymous"})
    adapter = build(options, tmp_path, "picqer")
    with pytest.raises(PermanentError, match="User-Agent"):
        adapter.submit_order(make_fulfilment_order(1))
    adapter.close()


def test_shipbob_duplicate_reference_is_looked_up(
    shipbob_fake: FakeShipBob, tmp_path: Path
) -> None:
    order = make_fulfilment_order(2)
    earlier = build(shipbob_options(shipbob_fake), tmp_path / "old", "shipbob")
    created = earlier.submit_order(order)
    earlier.close()
    adapter = build(shipbob_options(shipbob_fake), tmp_path / "new", "shipbob")
    result = adapter.submit_order(order)
    adapter.close()
    assert result.already_existed and result.external_id == created.external_id
    assert shipbob_fake.orders_received(order.reference) == 1
    assert shipbob_fake.call_count("POST", "/2025-07/order") == 2  # the second got 422


def test_shipbob_duplicate_without_lookup_still_counts_as_done(
    shipbob_fake: FakeShipBob, tmp_path: Path
) -> None:
    order = make_fulfilment_order(1)
    build(shipbob_options(shipbob_fake), tmp_path / "old", "shipbob").submit_order(order)
    options = shipbob_options(shipbob_fake)
    adapter = build({**_without_lookup(options), "profile": None}, tmp_path / "new", "shipbob")
    result = adapter.submit_order(order)
    assert result.already_existed and result.external_id is None
    adapter.close()


def _without_lookup(options: dict[str, object]) -> dict[str, object]:
    from oc_bridge_rest.profile_loader import merge_profile

    merged = merge_profile(options)
    merged["create_order"] = {k: v for k, v in merged["create_order"].items()
                              if k != "lookup_order"}
    return merged


@pytest.mark.parametrize("look_up_at_once", [True, False])
def test_shipbob_create_timeout_then_retry_creates_one_order(
    shipbob_fake: FakeShipBob, tmp_path: Path, look_up_at_once: bool
) -> None:
    options = shipbob_options(shipbob_fake)
    options["create_order"] = {"lookup_after_timeout": look_up_at_once}
    adapter = build(options, tmp_path, "shipbob")
    order = make_fulfilment_order(3)
    shipbob_fake.time_out_next_create(1.5)
    if look_up_at_once:
        result = adapter.submit_order(order)
    else:
        with pytest.raises(AmbiguousMutationError):
            adapter.submit_order(order)
        result = adapter.submit_order(order)
    assert shipbob_fake.orders_received(order.reference) == 1
    assert shipbob_fake.call_count("POST", "/2025-07/order") == 1
    assert result.external_id == str(next(iter(shipbob_fake.orders)))
    adapter.close()


def test_shipbob_cancel_twice_is_fine(
    shipbob_adapter: RestWmsAdapter, shipbob_fake: FakeShipBob
) -> None:
    order = make_fulfilment_order(1)
    result = shipbob_adapter.submit_order(order)
    shipbob_adapter.cancel_order(order, result.external_id, "retailer cancelled")
    shipbob_adapter.cancel_order(order, None, "retailer cancelled")  # id from local state
    assert shipbob_fake.is_cancelled(order.reference)


def test_picqer_update_sends_the_new_revision(
    picqer_adapter: RestWmsAdapter, picqer_fake: FakePicqer
) -> None:
    order = make_fulfilment_order(2)
    picqer_adapter.submit_order(order)
    line = order.lines[0].model_copy(update={"quantity": 9})
    revised = order.model_copy(update={"revision": 2, "lines": (line, order.lines[1])})
    result = picqer_adapter.update_order(revised, None)
    assert picqer_fake.latest_revision(order.reference) == 2
    assert picqer_fake.orders[int(result.external_id or 0)]["products"][0]["amount"] == 9


def test_capabilities_follow_the_configuration(
    picqer_adapter: RestWmsAdapter, shipbob_adapter: RestWmsAdapter
) -> None:
    from oc_bridge.adapter import Capability

    assert picqer_adapter.supports(Capability.UPDATE_ORDERS)
    assert not shipbob_adapter.supports(Capability.UPDATE_ORDERS)
    assert shipbob_adapter.supports(Capability.CANCEL_ORDERS)
    assert RestWmsAdapter.capabilities >= picqer_adapter.enabled_capabilities
