"""oc-bridge's own behaviour, registered through the same hooks as any external plugin.

The mapping and routing implementations are ``trylast`` so that a site plugin's implementation
of the same first-result hook wins; the ``plugins`` command is added like a plugin's command.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from oc_bridge import mapping
from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.models import Order
from oc_bridge.plugins.hookspecs import hookimpl
from oc_bridge.settings import RoutingRule, Settings

__all__ = [
    "oc_bridge_add_commands",
    "oc_bridge_map_order",
    "oc_bridge_route_order",
    "rule_matches",
]


@hookimpl(trylast=True)
def oc_bridge_map_order(order: Order, revision: int) -> FulfilmentOrder:
    """The built-in Orderchamp → canonical mapping (:func:`oc_bridge.mapping.map_order`)."""
    return mapping.map_order(order, revision=revision)


def _ship_to_country(order: Order) -> str | None:
    for address in (order.shipping_address, order.billing_address):
        if address is not None and address.country:
            return address.country.strip().upper()
    return None


def rule_matches(rule: RoutingRule, order: Order) -> bool:
    """True when ``order`` satisfies every condition ``rule`` sets: the ship-to country is one
    of ``countries`` (case-insensitive) and any line's SKU starts with one of ``sku_prefixes``.
    A condition left unset matches any order."""
    if rule.countries is not None:
        country = _ship_to_country(order)
        if country not in {c.strip().upper() for c in rule.countries}:
            return False
    if rule.sku_prefixes is not None:
        skus = [p.sku for p in order.products if p.sku]
        if not any(sku.startswith(tuple(rule.sku_prefixes)) for sku in skus):
            return False
    return True


@hookimpl(trylast=True)
def oc_bridge_route_order(
    order: Order, instances: Sequence[str], settings: Settings
) -> list[str]:
    """Apply ``sync.routing``: no rules → every given instance; else the first matching rule
    gives ``[rule.adapter]`` (``[]`` when that instance is not among the enabled ones); no
    matching rule → ``[]``."""
    if not settings.sync.routing:
        return list(instances)
    for rule in settings.sync.routing:
        if rule_matches(rule, order):
            return [rule.adapter] if rule.adapter in instances else []
    return []


@hookimpl
def oc_bridge_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plugins`` command."""
    from oc_bridge.cli import plugins_cmd

    plugins_cmd.add_parser(subparsers)
