"""Fixtures for the CSV adapter's tests: a config in tmp_path, the adapter, the partner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from oc_bridge_csv import CsvAdapter, CsvConfig
from oc_bridge_csv.probe import CsvWarehouse

from oc_bridge.adapter import AdapterContext
from oc_bridge.testing.fixtures import (  # noqa: F401 - fixtures used by the tests here
    fulfilment_order_factory,
    order_factory,
)

# Fixtures are imported (not ``pytest_plugins``), which pytest only allows in the root conftest.


@pytest.fixture
def csv_config(tmp_path: Path) -> CsvConfig:
    config = CsvAdapter.parse_config(
        "csv", {"outbound_dir": str(tmp_path / "out"), "inbound_dir": str(tmp_path / "in")}
    )
    assert isinstance(config, CsvConfig)
    return config


@pytest.fixture
def make_adapter(tmp_path: Path) -> Iterator[Callable[..., CsvAdapter]]:
    """Build an adapter over tmp_path with extra options (a new instance shares the state)."""
    built: list[CsvAdapter] = []

    def make(**options: Any) -> CsvAdapter:
        values = {"outbound_dir": str(tmp_path / "out"), "inbound_dir": str(tmp_path / "in"),
                  **options}
        config = CsvAdapter.parse_config("csv", values)
        adapter = CsvAdapter(config, AdapterContext(instance="csv", state_dir=tmp_path / "state"))
        built.append(adapter)
        return adapter

    yield make
    for adapter in built:
        adapter.close()


@pytest.fixture
def adapter(make_adapter: Callable[..., CsvAdapter]) -> CsvAdapter:
    return make_adapter()


@pytest.fixture
def warehouse(adapter: CsvAdapter, tmp_path: Path) -> CsvWarehouse:
    assert isinstance(adapter.config, CsvConfig)
    return CsvWarehouse(adapter.config, tmp_path / "taken")
