"""Carrier mapping (``oc_bridge.carriers``) and its settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from oc_bridge.canonical import ShipmentReport, ShippedLine
from oc_bridge.carriers import UnmappedCarrierError, map_carrier
from oc_bridge.settings import CarrierMapping, Settings

CARRIERS = {"postnl": CarrierMapping(name="PostNL",
                                     tracking_url="https://postnl.example/t/{tracking}"),
            "DHL": CarrierMapping(name="DHL Parcel")}


def report(carrier: str | None, tracking: str | None = "3SABC", url: str | None = None,
           ) -> ShipmentReport:
    return ShipmentReport(shipment_key="k", order_number="OC-1", carrier=carrier,
                          tracking_number=tracking, tracking_url=url,
                          lines=(ShippedLine(sku="A", quantity=1),))


def test_a_mapped_carrier_gets_its_name_and_tracking_url() -> None:
    mapped = map_carrier(report("PostNL"), CARRIERS, required=True)  # case does not matter
    assert (mapped.carrier, mapped.tracking_url, mapped.unmapped) == (
        "PostNL", "https://postnl.example/t/3SABC", None)
    own = map_carrier(report("postnl", url="https://own/1"), CARRIERS, required=False)
    assert own.tracking_url == "https://own/1"  # the adapter's own URL is kept
    untracked = map_carrier(report("postnl", tracking=None), CARRIERS, required=False)
    assert untracked.carrier == "PostNL" and untracked.tracking_url is None
    assert map_carrier(report("DHL"), CARRIERS, required=False).tracking_url is None


def test_an_unmapped_carrier_is_passed_through_and_counted_or_refused() -> None:
    mapped = map_carrier(report("gls"), CARRIERS, required=False)
    assert (mapped.carrier, mapped.unmapped) == ("gls", "gls")
    assert map_carrier(report("gls"), {}, required=False).unmapped is None  # no table: no count
    with pytest.raises(UnmappedCarrierError, match="carrier 'gls' is not in"):
        map_carrier(report("gls"), CARRIERS, required=True)
    assert map_carrier(report(None), CARRIERS, required=True).carrier is None


@given(st.text(min_size=1, max_size=30))
def test_the_tracking_number_is_url_quoted_into_the_template(tracking: str) -> None:
    mapped = map_carrier(report("postnl", tracking=tracking), CARRIERS, required=False)
    if not tracking.strip():
        assert mapped.tracking_url is None  # untracked
        return
    assert mapped.tracking_url is not None
    tail = mapped.tracking_url.removeprefix("https://postnl.example/t/")
    assert "/" not in tail and "?" not in tail and "#" not in tail and " " not in tail
    from urllib.parse import unquote
    assert unquote(tail) == tracking.strip()


@pytest.mark.parametrize("template", ["ftp://x/{tracking}", "https://x/", "https://x/{id}",
                                      "https://x/{tracking}/{order}"])
def test_bad_tracking_url_templates_are_refused(template: str) -> None:
    with pytest.raises(ValidationError):
        Settings(sync={"carriers": {"x": {"name": "X", "tracking_url": template}}})


def test_shipment_method_settings_are_normalised_and_checked() -> None:
    settings = Settings(sync={"shipment_method": "orderchamp"},
                        adapters={"csv": {"shipment_method": "ship yourself"}})
    assert settings.sync.shipment_method == "ORDERCHAMP"
    assert settings.adapters["csv"].shipment_method == "SHIP_YOURSELF"
    assert "shipment_method" not in settings.adapters["csv"].options()
    with pytest.raises(ValidationError, match="not one of SHIP_YOURSELF, ORDERCHAMP"):
        Settings(sync={"shipment_method": "pigeon"})
    with pytest.raises(ValidationError):
        ShipmentReport(shipment_key="k", order_number="1", method="pigeon",
                       lines=(ShippedLine(sku="A", quantity=1),))
