"""pytest fixtures for plugin authors and oc-bridge's own tests.

Enable them with ``pytest_plugins = ["oc_bridge.testing.fixtures"]`` in a ``conftest.py``.
The plain builder functions (:func:`make_order`, :func:`make_fulfilment_order`) work outside
pytest too.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.mapping import map_order
from oc_bridge.models import Address, Order, OrderProduct, OrderStatus
from oc_bridge.settings import Settings, load_settings

__all__ = [
    "fulfilment_order_factory",
    "make_fulfilment_order",
    "make_order",
    "order_factory",
    "sandbox",
    "settings_factory",
]

_ids = itertools.count(1)
_PRODUCTS = (
    ("MUG-STONE-GRY", "Stoneware mug, grey", Decimal("6.95")),
    ("TEA-EARLGREY-100", "Earl Grey loose tea 100 g", Decimal("4.50")),
    ("CANDLE-SOY-L", "Soy candle, large", Decimal("12.40")),
    ("CARD-XMAS-A6", "Christmas card A6", Decimal("0.85")),
    ("TOWEL-LINEN-NAT", "Linen tea towel, natural", Decimal("9.99")),
)


def make_order(lines: int = 2, **overrides: Any) -> Order:
    """A realistic confirmed Dutch wholesale order with ``lines`` lines (SKUs, titles, Decimal
    prices, an address with house number ``12A``). Ids and numbers are unique per call.
    ``overrides`` replace any :class:`~oc_bridge.models.Order` field (snake_case names)."""
    n = next(_ids)
    created = datetime(2026, 11, 27, 10, 15, tzinfo=UTC) + timedelta(minutes=n)
    address = Address(
        company_name="Koffie & Co B.V.", name="Anna de Vries", street="Keizersgracht",
        house_number="12A", postal_code="1015 CX", city="Amsterdam", country="nl",
    )
    products = tuple(
        OrderProduct(
            id=f"op-{n}-{i + 1}", sku=sku, title=title, quantity=(i % 3) + 2,
            unshipped_quantity=(i % 3) + 2, unit_price=price,
        )
        for i, (sku, title, price) in enumerate(itertools.islice(itertools.cycle(_PRODUCTS), lines))
    )
    values: dict[str, Any] = {
        "id": f"ord-{n:05d}", "number": f"OC{100000 + n}", "reference": f"PO-{n}",
        "note": "Graag leveren voor 12:00", "created_at": created, "updated_at": created,
        "status": OrderStatus.AWAITING_FULFILMENT, "is_confirmed": True, "is_cancelled": False,
        "estimated_delivery_at": created + timedelta(days=5), "company_name": "Koffie & Co B.V.",
        "company_phone": "+31201234567", "email": "inkoop@koffie-co.example",
        "first_name": "Anna", "last_name": "de Vries", "vat_number": "NL123456789B01",
        "shipping_address": address, "billing_address": address, "currency": "EUR",
        "total_price": sum((p.unit_price or Decimal(0)) * p.quantity for p in products),
        "shipping_method": "PostNL", "products_count": len(products), "products": products,
    }
    values.update(overrides)
    return Order(**values)


def make_fulfilment_order(
    lines: int = 2, *, revision: int = 1, **overrides: Any
) -> FulfilmentOrder:
    """:func:`make_order` mapped by the built-in mapping at ``revision``."""
    return map_order(make_order(lines, **overrides), revision=revision)


@pytest.fixture
def order_factory() -> Callable[..., Order]:
    """``order_factory(lines=2, **order_fields) -> Order`` (see :func:`make_order`)."""
    return make_order


@pytest.fixture
def fulfilment_order_factory() -> Callable[..., FulfilmentOrder]:
    """``fulfilment_order_factory(lines=2, revision=1, **order_fields) -> FulfilmentOrder``."""
    return make_fulfilment_order


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """``settings_factory(orderchamp={...}, adapters={"csv": {...}}, ...) -> Settings``.

    Keyword arguments are sections, applied as overrides on defaults; no settings file or
    process environment is read (an empty TOML file in ``tmp_path`` stands in). Invalid values
    raise :class:`~oc_bridge.errors.SettingsError` like the CLI would.
    """
    empty = tmp_path / "oc-bridge-empty-settings.toml"
    empty.write_text("", encoding="utf-8")

    def build(**sections: Any) -> Settings:
        return load_settings(empty, overrides=sections, environ={})

    return build


@pytest.fixture
def sandbox() -> Iterator[Any]:
    """A started :class:`oc_bridge.sandbox.Sandbox` (20 orders, seed 1) on a free loopback
    port; stopped afterwards. Use ``sandbox.url`` as ``orderchamp.api_url``."""
    # imported here: the sandbox is optional for authors who never use this fixture
    sandbox_module = importlib.import_module("oc_bridge.sandbox")
    box = sandbox_module.Sandbox(sandbox_module.SandboxConfig(orders=20, seed=1))
    started = box.start(port=0)
    running = started if started is not None else box
    try:
        yield running
    finally:
        running.stop()
