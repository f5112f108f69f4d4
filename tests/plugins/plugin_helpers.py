"""Helpers for plugin-system tests: fake entry points and small adapter classes."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any, ClassVar

import pytest

from oc_bridge.adapter import Adapter, AdapterConfig, Capability
from oc_bridge.canonical import FulfilmentOrder, SubmitResult
from oc_bridge.plugins import hookimpl


@dataclass
class FakeEntryPoint:
    """Quacks like ``importlib.metadata.EntryPoint``: ``load()`` returns or raises."""

    name: str
    target: Any
    dist_name: str = "acme-plugin"
    dist_version: str = "1.2.3"
    group: str = "oc_bridge"
    dist: Any = field(init=False)

    def __post_init__(self) -> None:
        self.dist = SimpleNamespace(metadata={"Name": self.dist_name}, version=self.dist_version)

    def load(self) -> Any:
        if isinstance(self.target, BaseException):
            raise self.target
        return self.target


def install_entry_points(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``entry_points(*fakes, keep_real=True)``: the ``oc_bridge`` group seen by the loader."""
    real = importlib.metadata.entry_points

    def install(*fakes: FakeEntryPoint, keep_real: bool = True) -> None:
        def fake_entry_points(**kw: Any) -> list[Any]:
            found = list(real(**kw)) if keep_real else []
            return found + [f for f in fakes if f.group == kw.get("group")]

        monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)

    return install


class ToyConfig(AdapterConfig):
    """A toy adapter's config."""

    colour: str = "red"
    size: int = 1


def make_adapter_class(type_name: str) -> type[Adapter]:
    """A minimal adapter class named ``type_name``."""

    class Toy(Adapter[ToyConfig]):
        name: ClassVar[str] = type_name
        Config: ClassVar[type[AdapterConfig]] = ToyConfig
        capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SUBMIT_ORDERS})

        def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
            return SubmitResult(external_id=f"toy-{order.reference}")

    return Toy


def adapter_plugin(module_name: str, *classes: type[Adapter]) -> ModuleType:
    """A plugin module registering ``classes``."""
    module = ModuleType(module_name)

    @hookimpl
    def oc_bridge_register_adapters(register: Callable[[type[Adapter]], None]) -> None:
        for cls in classes:
            register(cls)

    module.oc_bridge_register_adapters = oc_bridge_register_adapters  # type: ignore[attr-defined]
    return module
