"""The CSV (file drop) adapter plugin, registered through the ``oc_bridge`` entry point ``csv``
exactly like a third-party adapter: the core never imports it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oc_bridge.adapter import Adapter
from oc_bridge.plugins import hookimpl
from oc_bridge_csv.adapter import CsvAdapter
from oc_bridge_csv.config import CsvConfig

__all__ = ["CsvAdapter", "CsvConfig", "oc_bridge_register_adapters"]


@hookimpl
def oc_bridge_register_adapters(register: Callable[[type[Adapter[Any]]], None]) -> None:
    """Register the ``csv`` adapter type."""
    register(CsvAdapter)
