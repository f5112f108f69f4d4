"""oc-bridge plugin for the webhook adapter, published under the ``oc_bridge`` entry point
``webhook`` (see ``pyproject.toml``): oc-bridge finds it once this package is installed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oc_bridge.adapter import Adapter
from oc_bridge.plugins import hookimpl

from oc_bridge_webhook.adapter import WebhookAdapter, WebhookConfig

__all__ = ["WebhookAdapter", "WebhookConfig", "oc_bridge_register_adapters"]


@hookimpl
def oc_bridge_register_adapters(register: Callable[[type[Adapter[Any]]], None]) -> None:
    """Register the ``webhook`` adapter type."""
    register(WebhookAdapter)
