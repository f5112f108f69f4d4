"""The first-result hooks (mapping, routing) and the observers, through the PluginHost."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from types import ModuleType
from typing import Any

import pytest

from oc_bridge.canonical import FulfilmentOrder, ShipmentReport, ShippedLine
from oc_bridge.errors import MappingError
from oc_bridge.models import Address, Order
from oc_bridge.plugins import PluginHost, hookimpl
from oc_bridge.settings import Settings


def _host(*plugins: object) -> PluginHost:
    return PluginHost.load(environ={}, entry_points=False, extra_plugins=plugins)


# --- mapping ---------------------------------------------------------------------------------


def test_builtin_mapping_is_used_by_default(order_factory: Callable[..., Order]) -> None:
    order = order_factory(2)
    mapped = _host().map_order(order, instance="csv", revision=2)
    assert mapped.reference == order.id and mapped.revision == 2 and len(mapped.lines) == 2


def test_a_site_plugin_replaces_the_builtin_mapping(order_factory: Callable[..., Order]) -> None:
    class SitePlugin:
        @hookimpl
        def oc_bridge_map_order(self, order: Order, instance: str, revision: int
                                ) -> FulfilmentOrder | None:
            if instance != "special":
                return None  # let the built-in handle other instances
            return FulfilmentOrder(reference=order.id, number=f"SITE-{order.number}",
                                   revision=revision)

    host = _host(SitePlugin())
    order = order_factory(1)
    assert host.map_order(order, instance="special", revision=1).number == f"SITE-{order.number}"
    assert host.map_order(order, instance="csv", revision=1).number == order.number


def test_a_wrapper_rewrites_skus(order_factory: Callable[..., Order]) -> None:
    aliases = {"MUG-STONE-GRY": "WH-0001", "TEA-EARLGREY-100": "WH-0002"}

    class SkuAliases:
        @hookimpl(wrapper=True)
        def oc_bridge_map_order(self) -> Generator[None, FulfilmentOrder, FulfilmentOrder]:
            mapped = yield
            lines = tuple(line.model_copy(update={"sku": aliases.get(line.sku or "", line.sku)})
                          for line in mapped.lines)
            return mapped.model_copy(update={"lines": lines})

    mapped = _host(SkuAliases()).map_order(order_factory(3), instance="csv", revision=1)
    assert [line.sku for line in mapped.lines] == ["WH-0001", "WH-0002", "CANDLE-SOY-L"]


def test_a_crashing_mapping_plugin_becomes_a_mapping_error(
    order_factory: Callable[..., Order],
) -> None:
    class Buggy:
        @hookimpl
        def oc_bridge_map_order(self, order: Order) -> FulfilmentOrder:
            raise KeyError("vat")

    with pytest.raises(MappingError, match="mapping failed") as caught:
        _host(Buggy()).map_order(order_factory(1), instance="csv", revision=1)
    assert isinstance(caught.value.__cause__, KeyError)


# --- routing ---------------------------------------------------------------------------------

INSTANCES = ["csv_nl", "csv_eu", "wms"]


def _route(settings_factory: Callable[..., Settings], order: Order,
           rules: list[dict[str, Any]], instances: list[str] = INSTANCES) -> list[str]:
    # every rule names a configured instance (config check refuses unknown ones)
    settings = settings_factory(sync={"routing": rules},
                                adapters={name: {"type": "csv"} for name in INSTANCES})
    return _host().route_order(order, instances, settings)


def test_no_rules_routes_to_every_instance(
    settings_factory: Callable[..., Settings], order_factory: Callable[..., Order]
) -> None:
    assert _route(settings_factory, order_factory(1), []) == INSTANCES


def test_first_matching_rule_wins(
    settings_factory: Callable[..., Settings], order_factory: Callable[..., Order]
) -> None:
    rules: list[dict[str, Any]] = [
        {"adapter": "wms", "sku_prefixes": ["CANDLE-"]},
        {"adapter": "csv_nl", "countries": ["nl"]},
        {"adapter": "csv_eu"},
    ]
    belgian = order_factory(1, shipping_address=Address(country="BE"))
    assert _route(settings_factory, order_factory(1), rules) == ["csv_nl"]
    assert _route(settings_factory, order_factory(3), rules) == ["wms"]  # line 3 is a candle
    assert _route(settings_factory, belgian, rules) == ["csv_eu"]


def test_conditions_combine_and_no_match_routes_nowhere(
    settings_factory: Callable[..., Settings], order_factory: Callable[..., Order]
) -> None:
    rules = [{"adapter": "wms", "countries": ["DE"], "sku_prefixes": ["MUG"]}]
    assert _route(settings_factory, order_factory(1), rules) == []
    german = order_factory(1, shipping_address=Address(country="de"))
    assert _route(settings_factory, german, rules) == ["wms"]
    assert _route(settings_factory, german, rules, ["csv_nl"]) == []  # wms is disabled


def test_a_routing_plugin_wins_and_unknown_names_are_dropped(
    settings_factory: Callable[..., Settings], order_factory: Callable[..., Order],
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Router:
        @hookimpl
        def oc_bridge_route_order(self, instances: list[str]) -> list[str]:
            return ["ghost", instances[-1]]

    settings = settings_factory()
    with caplog.at_level(logging.WARNING):
        assert _host(Router()).route_order(order_factory(1), INSTANCES, settings) == ["wms"]
    assert "ghost" in caplog.text


# --- observers -------------------------------------------------------------------------------


def _shipment() -> ShipmentReport:
    return ShipmentReport(shipment_key="csv:OC1:T1", order_number="OC1",
                          lines=(ShippedLine(sku="MUG", quantity=1),))


def test_observers_run_one_at_a_time_and_a_failure_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    class Early:
        @hookimpl(tryfirst=True)
        def oc_bridge_shipment_reported(self, shipment_id: str) -> None:
            seen.append(f"early {shipment_id}")

    class Failing:
        @hookimpl
        def oc_bridge_shipment_reported(self, shipment: ShipmentReport) -> None:
            raise RuntimeError("slack is down")

    class Late:
        @hookimpl(trylast=True)
        def oc_bridge_shipment_reported(self, instance: str, shipment: ShipmentReport) -> None:
            seen.append(f"late {instance} {shipment.shipment_key}")

    host = _host(Late(), Failing(), Early())
    with caplog.at_level(logging.ERROR):
        host.notify_shipment_reported(instance="csv", shipment=_shipment(), shipment_id="S1")
    assert seen == ["early S1", "late csv csv:OC1:T1"]
    (record,) = caplog.records
    assert "slack is down" in (record.exc_text or "") and "oc_bridge_shipment_reported" in (
        record.getMessage())


def test_exported_and_parked_observers_receive_their_arguments(
    order_factory: Callable[..., Order],
) -> None:
    calls: list[Any] = []
    # A module, as real plugins are: pluggy keeps plugins in sets, so they must be hashable.
    recorder = ModuleType("recorder")
    vars(recorder).update(
        oc_bridge_order_exported=hookimpl(
            lambda instance, order, external_id: calls.append((instance, order.number,
                                                               external_id))),
        oc_bridge_order_parked=hookimpl(
            lambda kind, reference, instance, reason: calls.append((kind, reference, instance,
                                                                    reason))),
    )
    host = _host(recorder)
    mapped = host.map_order(order_factory(1), instance="csv", revision=1)
    host.notify_order_exported(instance="csv", order=mapped, external_id="f.csv")
    host.notify_order_parked(kind="order", reference=mapped.reference, instance=None,
                             reason="no SKU")
    assert calls == [("csv", mapped.number, "f.csv"),
                     ("order", mapped.reference, None, "no SKU")]
