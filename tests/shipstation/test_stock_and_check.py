"""Stock via V2 inventory, per-instance capabilities, check(), and the fake's basics."""

from __future__ import annotations

import pytest
import requests
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter

from oc_bridge.adapter import Capability, UnsupportedCapabilityError

from .conftest import AdapterFactory


def test_capabilities_depend_on_the_v2_key(make_adapter: AdapterFactory) -> None:
    assert not make_adapter().supports(Capability.STOCK_LEVELS)
    assert make_adapter(api_key_v2="v2key").supports(Capability.STOCK_LEVELS)
    assert Capability.STOCK_LEVELS not in make_adapter().enabled_capabilities
    assert Capability.STOCK_LEVELS in ShipStationAdapter.capabilities  # what the type can do
    with pytest.raises(UnsupportedCapabilityError):
        make_adapter().fetch_stock()


def test_stock_pages_through_inventory(make_adapter: AdapterFactory,
                                       fake: FakeShipStation) -> None:
    for n in range(7):
        fake.set_stock(f"SKU-{n}", available=n, allocated=1)
    fake.set_stock("SKU-0", available=3, allocated=2)  # replaces
    fake.v2_page_size = 3  # the adapter sends no page size (none is documented)
    adapter = make_adapter(api_key_v2="v2key")
    levels = {level.sku: level for level in adapter.fetch_stock()}
    assert len(levels) == 7
    assert levels["SKU-0"].available == 3 and levels["SKU-0"].reserved == 2
    assert levels["SKU-0"].on_hand == 5 and levels["SKU-0"].warehouse == "se-1"
    assert fake.calls["GET /v2/inventory"] == 3


def test_check_is_happy_with_a_good_setup(make_adapter: AdapterFactory) -> None:
    assert make_adapter(api_key_v2="v2key").check() == []


def test_check_reports_problems(make_adapter: AdapterFactory) -> None:
    assert "refused api_key/api_secret" in make_adapter(api_key="nope").check()[0]
    (problem,) = make_adapter(store_id=999).check()
    assert "store_id 999 is not a store of this account" in problem
    (problem,) = make_adapter(api_key_v2="wrong").check()
    assert "V2 refused api_key_v2" in problem
    assert "unreachable" in make_adapter(base_url="http://127.0.0.1:1").check()[0]


def test_fake_refuses_bad_credentials_and_sends_limit_headers(fake: FakeShipStation) -> None:
    answer = requests.get(fake.base_url + "/stores", auth=("key", "bad"), timeout=5)
    assert answer.status_code == 401
    assert answer.headers["X-Rate-Limit-Limit"] == "40"
    good = requests.get(fake.base_url + "/stores", auth=("key", "secret"), timeout=5)
    assert good.status_code == 200
    assert int(good.headers["X-Rate-Limit-Remaining"]) == 38
    assert fake.calls["GET /stores"] == 2


def test_fake_createorders_limits_the_batch(fake: FakeShipStation) -> None:
    answer = requests.post(fake.base_url + "/orders/createorders", json=[{}] * 101,
                           auth=("key", "secret"), timeout=5)
    assert answer.status_code == 400
    assert "at most 100" in answer.json()["ExceptionMessage"]
