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

from oc_bridge.adapter import (
    Adapter,
    AdapterConfig,
    AdapterContext,
    Capability,
    UnsupportedCapabilityError,
)
from oc_bridge.canonical import (
    CancelOutcome,
    FulfilmentOrder,
    InboundProblem,
    ShipmentPull,
    StockLevel,
    SubmitResult,
)
from oc_bridge.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    OcBridgeError,
    PermanentError,
    TransientError,
)
from oc_bridge_rest.client import WarehouseClient
from oc_bridge_rest.config import RestWmsConfig, parse_rest_config
from oc_bridge_rest.config_feeds import (
    LinesRequestConfig,
    PollShipmentsConfig,
    ShipmentFields,
    WebhookConfig,
)
from oc_bridge_rest.extract import ExpressionProblem, as_int, as_text, search
from oc_bridge_rest.orders import OrderFlow
from oc_bridge_rest.pagination import Paginator, id_key, response_json
from oc_bridge_rest.shipments import FetchLines, ShipmentMapper, flatten
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
                     reason: str | None) -> CancelOutcome:
        """Send the ``cancel_order`` request; accepted, or rejected as its
        ``rejected_statuses``/``rejected_when`` say (see
        :class:`oc_bridge_rest.config.CancelOrderConfig`)."""
        if self.config.cancel_order is None:
            raise UnsupportedCapabilityError(f"{self.name} cannot cancel orders here")
        return self.orders.cancel(order, external_id, reason)

    # --- shipments ------------------------------------------------------------------------

    def _mapper(self, fields: ShipmentFields) -> ShipmentMapper:
        return ShipmentMapper(self.instance, fields, by_external_id=self.store.by_external_id,
                              by_reference=self.store.get, fetch_lines=self._lines_fetcher())

    def _lines_fetcher(self) -> FetchLines:
        """Sends ``lines.request`` for a record; one answer per distinct request per read
        (several shipments of one picklist ask once)."""
        answers: dict[tuple[str, str], Any] = {}

        def fetch(request: LinesRequestConfig, record: Any) -> Any:
            context = {"record": record, "instance": self.instance}
            path, query, headers, body = self.client.render_request(request, context)
            key = (path, json.dumps(query, sort_keys=True))
            if key not in answers:
                response = self.client.send(request.method, path, params=query, json=body,
                                            headers=headers or None)
                answers[key] = response_json(response, f"{self.instance} lines of a shipment")
            return answers[key]
        return fetch

    def _paginator(self, spec: Any, since: str | None, what: str
                   ) -> tuple[Paginator, str, dict[str, Any]]:
        context = {"cursor": since, "instance": self.instance}
        path, query, _headers, _body = self.client.render_request(spec, context)
        paginator = Paginator(self.client.get, spec.pagination, records=spec.records,
                              what=what, since=since)
        return paginator, path, query

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """Shipments since ``cursor`` from the ``poll_shipments`` list, every page.

        Records are read page by page. When a page (or a record's follow-up request) fails,
        what was read before it is still returned, with ``incomplete`` saying why and a cursor
        that covers only the records read; every record read is reported, skipped by a
        configured rule, or returned as a problem of its own.
        """
        spec = self.config.poll_shipments
        if spec is None:
            return super().fetch_shipments(cursor)
        started = datetime.fromtimestamp(self.wall_clock(), tz=UTC)
        by_paging = spec.pagination.style == "since_id"
        paginator, path, query = self._paginator(spec, cursor if by_paging else None,
                                                 f"{self.instance} shipments")
        if spec.cursor is not None and cursor and not by_paging:
            query[spec.cursor.param] = cursor
        mapper = self._mapper(spec.fields)
        source = f"rest:{self.instance} poll"
        pull = ShipmentPull()
        read: list[Any] = []
        try:
            for page in paginator.pages(path, query):
                for record in flatten(page, spec.sub_records):
                    found = mapper.read(record, source)
                    if isinstance(found, InboundProblem):
                        pull.problems.append(found)
                    elif found is not None:
                        pull.shipments.append(found)
                    read.append(record)
        except (ExpressionProblem, TransientError, PermanentError, AuthenticationError) as exc:
            failure = exc if isinstance(exc, OcBridgeError) else MalformedResponseError(
                f"{self.instance} shipments: {exc}")
            if not read:
                if failure is exc:
                    raise
                raise failure from exc
            pull.incomplete = str(failure)
        if by_paging:
            pull.cursor = paginator.since
        elif pull.incomplete and spec.cursor is not None and spec.cursor.type == "date":
            pull.cursor = cursor  # a date cannot say "up to here": read it all again next time
        else:
            pull.cursor = self._cursor(spec, read, cursor, started)
        return pull

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

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       now: float | None = None) -> tuple[Any, str | None]:
        """Check a pushed delivery's signature and parse it; ``(payload, event id)``. Sends
        nothing to the warehouse (the daemon calls this while the sender waits).

        Raises :class:`~oc_bridge_rest.signatures.WebhookSignatureError` (a
        ``PermanentError``) when the signature is missing, wrong or stale, and
        ``MalformedResponseError`` when the body is not JSON.
        """
        spec = self.config.webhook
        if spec is None or not spec.enabled:
            raise ConfigurationError(f"adapters.{self.instance}.webhook is not configured "
                                     "or not enabled")
        event_id = self._verify_signature(spec, headers, body, now=now)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise MalformedResponseError(f"{self.instance} webhook: body is not JSON") from exc
        try:
            if spec.event_id is not None:
                event_id = as_text(search(spec.event_id, payload)) or event_id
        except ExpressionProblem as exc:
            raise MalformedResponseError(f"{self.instance} webhook: {exc}") from exc
        return payload, event_id

    @staticmethod
    def _verify_signature(spec: WebhookConfig, headers: Mapping[str, str], body: bytes, *,
                          now: float | None) -> str | None:
        """Verify under the current secret, else the one being retired (``secret_previous``);
        the Standard Webhooks ``webhook-id``, if any. The first secret's error is raised when
        neither matches."""
        if spec.signature == "none":
            return None
        secrets = spec.secret_values()
        if not secrets:  # an empty key would verify what anyone can sign
            raise WebhookSignatureError("no webhook signing secret is configured")
        failure: WebhookSignatureError | None = None
        for secret in secrets:
            try:
                if spec.signature == "standard_webhooks":
                    return verify_standard_webhook(headers, body, secret=secret,
                                                   tolerance=spec.tolerance_seconds, now=now)
                encoding = "hex" if spec.signature == "hmac_sha256_hex" else "base64"
                verify_hmac(headers, body, header=spec.header or "", secret=secret,
                            encoding=encoding)
                return None
            except WebhookSignatureError as exc:
                failure = failure or exc
        assert failure is not None
        raise failure

    def handle_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       now: float | None = None) -> ShipmentPull:
        """Verify a pushed delivery (:meth:`verify_webhook`) and read the shipments in it
        (with ``lines.request``, one follow-up request per shipment; a transient failure of
        it is raised so the delivery is read again later).

        ``handle`` of the result holds ``{"event_id": ...}`` (Standard Webhooks
        ``webhook-id`` or the ``event_id`` expression) for dedupe by the caller.
        """
        payload, event_id = self.verify_webhook(headers, body, now=now)
        spec = self.config.webhook
        assert spec is not None  # verify_webhook refused otherwise
        fields = spec.fields or (self.config.poll_shipments.fields
                                 if self.config.poll_shipments else None)
        if fields is None:  # excluded by validation; kept for type narrowing
            raise ConfigurationError(f"adapters.{self.instance}.webhook.fields is missing")
        try:
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
        paginator, path, query = self._paginator(spec, None, f"{self.instance} stock")
        records = [r for page in paginator.pages(path, query) for r in page]
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
        credentials work, then reads the first shipment records on it with the field map (its
        lines request included) to prove the fields exist; changes nothing."""
        spec = self.config.poll_shipments or self.config.poll_stock
        if spec is None:
            return []
        try:
            path, query, _h, _b = self.client.render_request(spec, {"cursor": None,
                                                                     "instance": self.instance})
            response = self.client.send(spec.method, path, params=query)
            if isinstance(spec, PollShipmentsConfig):
                return self._check_fields(spec, response_json(response, "shipment list"))
        except (OcBridgeError, ExpressionProblem) as exc:
            return [f"adapters.{self.instance}: {exc}"]
        return []

    def _check_fields(self, spec: PollShipmentsConfig, body: Any) -> list[str]:
        """Problems of the field map on the first shipment records (none: nothing to say)."""
        key = f"adapters.{self.instance}.poll_shipments"
        found = search(spec.records, body)
        records = flatten(found if isinstance(found, list) else [], spec.sub_records)
        fields = spec.fields
        for record in records[:20]:
            if fields.skip and search(fields.skip, record):
                continue
            problems = []
            if as_text(search(fields.shipment_id, record)) is None:
                problems.append(f"{key}.fields.shipment_id: nothing at {fields.shipment_id!r} "
                                "in the first shipment record")
            spec_lines = fields.lines
            if spec_lines is not None:
                source = record
                if spec_lines.request is not None:
                    source = self._lines_fetcher()(spec_lines.request, record)
                items = search(spec_lines.records, source)
                if not isinstance(items, list) or not items:
                    problems.append(f"{key}.fields.lines.records: no list at "
                                    f"{spec_lines.records!r} for the first shipment record")
                elif as_int(search(spec_lines.quantity, items[0])) is None:
                    problems.append(f"{key}.fields.lines.quantity: no number at "
                                    f"{spec_lines.quantity!r} in its first line")
            return problems
        return []

    def close(self) -> None:
        """Close the HTTP session and the state file; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.client.close()
        if "store" in self.__dict__:
            self.store.close()

