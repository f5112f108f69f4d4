"""The REST warehouse adapter: any JSON warehouse API, configured rather than coded.

What it can do depends on the configuration of each instance: it always submits orders; it
updates and cancels orders when ``update_order``/``cancel_order`` are configured, pulls
shipments with ``poll_shipments``, reports stock with ``poll_stock`` and reads pushed shipments
with :meth:`RestWmsAdapter.handle_webhook` when ``webhook`` is configured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, ClassVar

import requests

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext, Capability
from oc_bridge.canonical import FulfilmentOrder, ShipmentPull, StockLevel, SubmitResult
from oc_bridge.errors import ConfigurationError, MalformedResponseError, OcBridgeError
from oc_bridge_rest.client import WarehouseClient
from oc_bridge_rest.config import RestWmsConfig, parse_rest_config
from oc_bridge_rest.config_feeds import PollShipmentsConfig, ShipmentFields
from oc_bridge_rest.extract import ExpressionProblem, as_int, as_text, search
from oc_bridge_rest.orders import OrderFlow
from oc_bridge_rest.pagination import Paginator, id_key
from oc_bridge_rest.shipments import ShipmentMapper, flatten
from oc_bridge_rest.signatures import (
    WebhookSignatureError,
    verify_hmac,
    verify_standard_webhook,
)
from oc_bridge_rest.state import StateStore

__all__ = ["RestWmsAdapter", "WebhookSignatureError"]


class RestWmsAdapter(Adapter[RestWmsConfig]):
    """A configurable REST/JSON warehouse (Picqer, ShipBob and similar); see
    ``docs/rest-wms.md``. The class declares every capability it may have;
    :meth:`capabilities_for` gives what one instance's configuration enables."""

    name: ClassVar[str] = "rest"
    Config: ClassVar[type[AdapterConfig]] = RestWmsConfig
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.SUBMIT_ORDERS, Capability.UPDATE_ORDERS, Capability.CANCEL_ORDERS,
        Capability.PULL_SHIPMENTS, Capability.STOCK_LEVELS,
    })

    def __init__(self, config: RestWmsConfig, context: AdapterContext, *,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        super().__init__(config, context)
        self.wall_clock = wall_clock
        self.client = WarehouseClient(self.config, service=f"warehouse {context.instance}",
                                      session=session, sleep=sleep, clock=clock,
                                      wall_clock=wall_clock)
        self._closed = False

    @classmethod
    def capabilities_for(cls, config: RestWmsConfig) -> frozenset[Capability]:
        """Always ``SUBMIT_ORDERS``; the others when their table is configured."""
        enabled = {Capability.SUBMIT_ORDERS}
        for configured, capability in ((config.update_order, Capability.UPDATE_ORDERS),
                                       (config.cancel_order, Capability.CANCEL_ORDERS),
                                       (config.poll_shipments, Capability.PULL_SHIPMENTS),
                                       (config.poll_stock, Capability.STOCK_LEVELS)):
            if configured is not None:
                enabled.add(capability)
        return frozenset(enabled)

    @classmethod
    def parse_config(cls, instance: str, options: Mapping[str, Any]) -> AdapterConfig:
        """Merge the named profile under ``options`` and validate everything (templates
        test-rendered, expressions compiled); every problem at once, with full key paths."""
        return parse_rest_config(instance, options)

    @cached_property
    def store(self) -> StateStore:
        """The instance's state file, opened on first use."""
        return StateStore(self.context.state_dir / "rest-orders.sqlite3")

    @cached_property
    def orders(self) -> OrderFlow:
        """The order operations (create once, update, cancel)."""
        return OrderFlow(self.config, self.client, self.store, self.instance)

    # --- orders ---------------------------------------------------------------------------

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        """Create ``order`` in the warehouse exactly once (see :mod:`oc_bridge_rest.orders`)."""
        return self.orders.submit(order)

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """Send a newer revision with the ``update_order`` request."""
        if self.config.update_order is None:
            return super().update_order(order, external_id)
        return self.orders.update(order, external_id)

    def cancel_order(self, order: FulfilmentOrder, external_id: str | None,
                     reason: str | None) -> None:
        """Send the ``cancel_order`` request."""
        if self.config.cancel_order is None:
            return super().cancel_order(order, external_id, reason)
        return self.orders.cancel(order, external_id, reason)

    # --- shipments ------------------------------------------------------------------------

    def _mapper(self, fields: ShipmentFields) -> ShipmentMapper:
        return ShipmentMapper(self.instance, fields, by_external_id=self.store.by_external_id,
                              by_reference=self.store.get)

    def _read_all(self, spec: Any, since: str | None, extra: dict[str, Any], what: str
                  ) -> tuple[list[Any], Paginator]:
        context = {"cursor": since, "instance": self.instance}
        path, query, _headers, _body = self.client.render_request(spec, context)
        paginator = Paginator(self.client.get, spec.pagination, records=spec.records,
                              what=what, since=since)
        records: list[Any] = []
        for page in paginator.pages(path, {**query, **extra}):
            records.extend(page)
        return records, paginator

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """Shipments since ``cursor`` from the ``poll_shipments`` list, every page."""
        spec = self.config.poll_shipments
        if spec is None:
            return super().fetch_shipments(cursor)
        started = datetime.fromtimestamp(self.wall_clock(), tz=UTC)
        extra: dict[str, Any] = {}
        by_paging = spec.pagination.style == "since_id"
        if spec.cursor is not None and cursor and not by_paging:
            extra[spec.cursor.param] = cursor
        try:
            records, paginator = self._read_all(spec, cursor if by_paging else None, extra,
                                                f"{self.instance} shipments")
            flat = flatten(records, spec.sub_records)
            mapped = self._mapper(spec.fields).map(flat, f"rest:{self.instance} poll")
            new_cursor = paginator.since if by_paging else self._cursor(spec, flat, cursor,
                                                                        started)
        except ExpressionProblem as exc:
            raise MalformedResponseError(f"{self.instance} shipments: {exc}") from exc
        return ShipmentPull(shipments=mapped.shipments, problems=mapped.problems,
                            cursor=new_cursor)

    def _cursor(self, spec: PollShipmentsConfig, records: list[Any], old: str | None,
                started: datetime) -> str | None:
        if spec.cursor is None:
            return old
        if spec.cursor.type == "date":
            moment = started - timedelta(seconds=spec.cursor.overlap_seconds)
            return moment.strftime(spec.cursor.format)
        expression = spec.cursor.field or spec.fields.shipment_id
        ids = [as_text(search(expression, r)) for r in records]
        candidates = [i for i in ids if i] + ([old] if old else [])
        return max(candidates, key=id_key, default=None)

    def handle_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       now: float | None = None) -> ShipmentPull:
        """Verify a pushed delivery's signature and read the shipments in it.

        Raises :class:`~oc_bridge_rest.signatures.WebhookSignatureError` (a
        ``PermanentError``) when the signature is missing, wrong or stale, and
        ``MalformedResponseError`` when the body is not JSON. ``handle`` of the result holds
        ``{"event_id": ...}`` (Standard Webhooks ``webhook-id`` or the ``event_id``
        expression) for dedupe by the caller.
        """
        spec = self.config.webhook
        if spec is None or not spec.enabled:
            raise ConfigurationError(f"adapters.{self.instance}.webhook is not configured "
                                     "or not enabled")
        event_id: str | None = None
        if spec.signature == "standard_webhooks":
            event_id = verify_standard_webhook(headers, body, secret=spec.secret_value(),
                                               tolerance=spec.tolerance_seconds, now=now)
        elif spec.signature != "none":
            encoding = "hex" if spec.signature == "hmac_sha256_hex" else "base64"
            verify_hmac(headers, body, header=spec.header or "", secret=spec.secret_value(),
                        encoding=encoding)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise MalformedResponseError(f"{self.instance} webhook: body is not JSON") from exc
        fields = spec.fields or (self.config.poll_shipments.fields
                                 if self.config.poll_shipments else None)
        if fields is None:  # excluded by validation; kept for type narrowing
            raise ConfigurationError(f"adapters.{self.instance}.webhook.fields is missing")
        try:
            if spec.event_id is not None:
                event_id = as_text(search(spec.event_id, payload)) or event_id
            found = search(spec.records, payload)
            records = found if isinstance(found, list) else [found] if found else []
            flat = flatten(records, spec.sub_records)
        except ExpressionProblem as exc:
            raise MalformedResponseError(f"{self.instance} webhook: {exc}") from exc
        mapped = self._mapper(fields).map(flat, f"rest:{self.instance} webhook {event_id or ''}")
        return ShipmentPull(shipments=mapped.shipments, problems=mapped.problems,
                            handle={"event_id": event_id})

    # --- stock ----------------------------------------------------------------------------

    def fetch_stock(self) -> Iterator[StockLevel]:
        """Available stock per SKU from the ``poll_stock`` list, every page."""
        spec = self.config.poll_stock
        if spec is None:
            yield from super().fetch_stock()
            return
        as_of = datetime.fromtimestamp(self.wall_clock(), tz=UTC)
        records, _ = self._read_all(spec, None, {}, f"{self.instance} stock")
        for record in records:
            try:
                sku = as_text(search(spec.sku, record))
                available = as_int(search(spec.available, record))
                if not sku or available is None:
                    self.log.warning("%s stock: record without SKU or available quantity "
                                     "skipped", self.instance)
                    continue
                yield StockLevel(
                    sku=sku, available=available, as_of=as_of,
                    on_hand=as_int(search(spec.on_hand, record)) if spec.on_hand else None,
                    reserved=as_int(search(spec.reserved, record)) if spec.reserved else None,
                    warehouse=as_text(search(spec.warehouse, record)) if spec.warehouse else None,
                )
            except (ExpressionProblem, ValueError) as exc:
                self.log.warning("%s stock: record skipped: %s", self.instance, exc)

    # --- housekeeping ---------------------------------------------------------------------

    def check(self) -> list[str]:
        """Reads the first page of the shipment (or stock) list to prove the base URL and the
        credentials work; changes nothing."""
        spec = self.config.poll_shipments or self.config.poll_stock
        if spec is None:
            return []
        try:
            path, query, _h, _b = self.client.render_request(spec, {"cursor": None,
                                                                     "instance": self.instance})
            self.client.send(spec.method, path, params=query)
        except OcBridgeError as exc:
            return [f"adapters.{self.instance}: {exc}"]
        return []

    def close(self) -> None:
        """Close the HTTP session and the state file; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.client.close()
        if "store" in self.__dict__:
            self.store.close()


