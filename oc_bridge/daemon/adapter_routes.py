"""What a plugin's daemon routes get (``oc_bridge_add_routes(router, context)``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from oc_bridge.adapter import Adapter
from oc_bridge.boundary import BoundAdapter, bind_adapters
from oc_bridge.daemon.inbox import Reader
from oc_bridge.store import InboxDelivery, body_digest

__all__ = ["RouteContext"]

log = logging.getLogger(__name__)


class RouteContext:
    """Configured adapters plus durable enqueueing for plugin routes; see ``docs/plugins.md``."""

    def __init__(self, adapters: Mapping[str, BoundAdapter | Adapter[Any]],
                 adapter_types: Mapping[str, str],
                 store_delivery: Callable[[InboxDelivery], bool],
                 count: Callable[[str, str, str], None]) -> None:
        self._adapters = bind_adapters(adapters)
        self._types = adapter_types
        self._store_delivery = store_delivery
        self._count = count
        self.readers: dict[str, Reader] = {}

    def adapters_of_type(self, type_name: str) -> dict[str, Adapter[Any]]:
        """The configured, enabled instances of adapter type ``type_name``, by instance (the
        adapter objects themselves, for the plugin's own methods such as a webhook parser)."""
        return {name: bound.adapter for name, bound in self._adapters.items()
                if self._types.get(name) == type_name}

    def add_reader(self, source: str, reader: Reader) -> None:
        """How workers turn a stored delivery of ``source`` into a ``ShipmentPull``."""
        self.readers[source] = reader

    def enqueue(self, source: str, event: str, body: bytes,
                headers: Mapping[str, str] | None = None) -> bool:
        """Store a raw delivery durably (committed on return); True when new, False when an
        identical one (same source, event and body) was stored before. Raises
        ``IntakeError`` when it could not be stored (answer 5xx)."""
        delivery = InboxDelivery(source=source, event=event or "delivery",
                                 body=body.decode("utf-8", "replace"),
                                 digest=body_digest(body),
                                 headers_json=json.dumps(dict(headers or {})))
        new = self._store_delivery(delivery)
        self._count(source, event or "delivery", "accepted" if new else "duplicate")
        if new:
            log.info("%s delivery %s stored", source, event)
        return new

    def count(self, source: str, event: str, outcome: str) -> None:
        """Count a delivery that was refused (``bad_signature``, ``not_found``...)."""
        self._count(source, event, outcome)
