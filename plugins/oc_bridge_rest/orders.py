"""Creating, updating and cancelling orders in a REST warehouse without ever creating one twice.

The design (see also ``docs/rest-wms.md``):

1. The local state (:class:`~oc_bridge_rest.state.StateStore`) is checked first: an order
   already created returns its warehouse id without a call.
2. Before a create, a ``pending`` row is written. If the create then fails in a way that may
   have taken effect (read timeout, 5xx, crash: the HTTP layer raises
   :class:`~oc_bridge.errors.AmbiguousMutationError` and never re-sends a POST), the row stays
   ``pending``; with ``lookup_after_timeout`` the order is looked up at once, and in any case
   the next ``submit_order`` looks it up *before* sending anything.
3. ``search_before_create`` looks the order up before every first create (warehouses such as
   Picqer that do not refuse a second order with the same reference).
4. An answer with one of ``exists_statuses`` (ShipBob: 422 for a duplicate ``reference_id``)
   means "already there": the order is looked up and returned with ``already_existed=True``.
5. ``after_create`` requests (Picqer: process the order) run once the id is known; the row is
   ``done`` only when they all succeeded, so a failed follow-up is retried, not the create.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from oc_bridge.adapter import UnsupportedCapabilityError
from oc_bridge.canonical import CancelOutcome, FulfilmentOrder, SubmitResult
from oc_bridge.errors import (
    AmbiguousMutationError,
    ClientRequestError,
    MalformedResponseError,
    RejectedError,
    ServerError,
)
from oc_bridge_rest.client import WarehouseClient
from oc_bridge_rest.config import CancelOrderConfig, RestWmsConfig
from oc_bridge_rest.config_base import RequestConfig
from oc_bridge_rest.extract import ExpressionProblem, as_text, search
from oc_bridge_rest.pagination import response_json
from oc_bridge_rest.state import OrderState, StateStore
from oc_bridge_rest.templating import TemplateProblem, order_data, render

__all__ = ["OrderFlow"]

log = logging.getLogger(__name__)


def _lines(order: FulfilmentOrder) -> list[tuple[str, str | None, int]]:
    return [(line.line_ref, line.sku, line.quantity) for line in order.lines]


class OrderFlow:
    """The order operations of one adapter instance."""

    def __init__(self, config: RestWmsConfig, client: WarehouseClient, store: StateStore,
                 instance: str) -> None:
        self.config = config
        self.client = client
        self.store = store
        self.instance = instance

    def _context(self, order: FulfilmentOrder, external_id: str | None = None,
                 reason: str | None = None) -> dict[str, Any]:
        return {"order": order_data(order), "external_id": external_id, "reason": reason,
                "instance": self.instance}

    # --- look-up --------------------------------------------------------------------------

    def lookup(self, order: FulfilmentOrder) -> str | None:
        """The warehouse id of ``order`` found by the ``lookup_order`` request, or None."""
        spec = self.config.create_order.lookup_order
        if spec is None:
            return None
        response = self.client.call(spec, self._context(order))
        if response is None:
            return None
        body = response_json(response, "order look-up")
        try:
            found = search(spec.records, body)
            records = found if isinstance(found, list) else [found] if found else []
            if spec.match is not None:
                records = [r for r in records if as_text(search(spec.match, r)) == order.reference]
            found_ids = [as_text(search(spec.id, r)) for r in records]
        except ExpressionProblem as exc:
            raise MalformedResponseError(f"order look-up: {exc}") from exc
        ids = [i for i in found_ids if i]
        if len(ids) > 1:
            log.warning("order %s: the warehouse holds %d orders for it (%s); using the first",
                        order.reference, len(ids), ", ".join(ids))
        return ids[0] if ids else None

    # --- submit ---------------------------------------------------------------------------

    def submit(self, order: FulfilmentOrder) -> SubmitResult:
        """Create ``order`` once; see the module docstring."""
        state = self.store.get(order.reference)
        if state is not None and state.status == "done":
            return SubmitResult(external_id=state.external_id, already_existed=True)
        if state is not None and state.status == "created" and state.external_id:
            self._finish(order, state.external_id)
            return SubmitResult(external_id=state.external_id, already_existed=True)
        create = self.config.create_order
        was_pending = state is not None and state.status == "pending"
        if create.lookup_order is not None and (create.search_before_create or was_pending):
            found = self.lookup(order)
            if found:
                log.info("order %s: found in the warehouse as %s", order.reference, found)
                self._found(order, found, follow_up=was_pending)
                return SubmitResult(external_id=found, already_existed=True)
        self.store.save(order.reference, status="pending", revision=order.revision,
                        number=order.number, lines=_lines(order))
        try:
            external_id = self._create(order)
        except ClientRequestError as exc:
            if exc.status in create.exists_statuses:
                return self._exists(order, exc, follow_up=was_pending)
            if not was_pending:
                self.store.forget(order.reference)
            raise RejectedError(f"order {order.number}: the warehouse rejected it: "
                                f"{exc.message}", status=exc.status, body=exc.body,
                                request_id=exc.request_id, service=exc.service) from exc
        except AmbiguousMutationError:
            if create.look_up_after_timeout:
                found = self.lookup(order)
                if found:
                    log.info("order %s: the create timed out but the order arrived as %s",
                             order.reference, found)
                    self._found(order, found, follow_up=True)
                    return SubmitResult(external_id=found, already_existed=False)
            log.warning("order %s: create outcome unknown; it is looked up before the next "
                        "attempt", order.reference)
            raise
        log.info("order %s: created in the warehouse as %s", order.reference, external_id)
        self.store.save(order.reference, status="created", revision=order.revision,
                        external_id=external_id)
        self._finish(order, external_id)
        return SubmitResult(external_id=external_id, already_existed=False)

    def _create(self, order: FulfilmentOrder) -> str:
        create = self.config.create_order
        headers: dict[str, str] = {}
        if create.idempotency_header:
            try:
                headers[create.idempotency_header] = render(create.idempotency_value,
                                                            self._context(order))
            except TemplateProblem as exc:
                raise RejectedError(f"order {order.number}: idempotency_value: {exc}") from exc
        # Re-sending after an ambiguous failure is only safe when the warehouse honours the key.
        response = self.client.call(create, self._context(order), extra_headers=headers,
                                    idempotent=bool(create.idempotency_header))
        if response is None:
            raise RejectedError(f"order {order.number}: create answered an accepted "
                                "non-success status without an order id")
        body = response_json(response, "create order")
        try:
            external_id = as_text(search(create.id_path, body))
        except ExpressionProblem as exc:
            raise MalformedResponseError(f"create order: {exc}") from exc
        if not external_id:
            raise MalformedResponseError(
                f"order {order.number}: the create answer has no id at {create.id_path!r}; the "
                "order is looked up before the next attempt"
            )
        return external_id

    def _exists(self, order: FulfilmentOrder, exc: ClientRequestError, *,
                follow_up: bool) -> SubmitResult:
        if self.config.create_order.lookup_order is None:
            log.info("order %s: the warehouse already has it (HTTP %s)", order.reference,
                     exc.status)
            self.store.save(order.reference, status="done", revision=order.revision)
            return SubmitResult(external_id=None, already_existed=True)
        found = self.lookup(order)
        if not found:
            raise ServerError(f"order {order.number}: the warehouse says it exists (HTTP "
                              f"{exc.status}) but the look-up does not find it yet",
                              service=exc.service) from exc
        log.info("order %s: already in the warehouse as %s", order.reference, found)
        self._found(order, found, follow_up=follow_up)
        return SubmitResult(external_id=found, already_existed=True)

    def _found(self, order: FulfilmentOrder, external_id: str, *, follow_up: bool) -> None:
        """Record an order found in the warehouse; run the follow-ups when it was our own
        create whose answer got lost (they cannot have run then)."""
        status = "created" if follow_up and self.config.create_order.after_create else "done"
        self.store.save(order.reference, status=status, revision=order.revision,
                        number=order.number, external_id=external_id, lines=_lines(order))
        if status == "created":
            self._finish(order, external_id)

    def _finish(self, order: FulfilmentOrder, external_id: str) -> None:
        for step in self.config.create_order.after_create:
            self.client.call(step, self._context(order, external_id))
        self.store.save(order.reference, status="done", revision=order.revision,
                        external_id=external_id)

    # --- update and cancel ------------------------------------------------------------------

    def _external_id(self, order: FulfilmentOrder, given: str | None) -> str:
        state: OrderState | None = self.store.get(order.reference)
        external_id = given or (state.external_id if state else None) or self.lookup(order)
        if not external_id:
            raise RejectedError(f"order {order.number}: not found in the warehouse")
        return external_id

    def update(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """Send revision ``order.revision`` with the ``update_order`` request."""
        spec: RequestConfig | None = self.config.update_order
        if spec is None:
            raise UnsupportedCapabilityError("this warehouse has no update_order request")
        target = self._external_id(order, external_id)
        self.client.call(spec, self._context(order, target), idempotent=True)
        self.store.save(order.reference, status="done", revision=order.revision,
                        number=order.number, external_id=target, lines=_lines(order))
        log.info("order %s: revision %d sent to the warehouse", order.reference, order.revision)
        return SubmitResult(external_id=target, already_existed=False)

    def cancel(self, order: FulfilmentOrder, external_id: str | None,
               reason: str | None) -> CancelOutcome:
        """Send the ``cancel_order`` request and read the warehouse's answer: accepted (a 2xx
        answer, or one of ``accept_statuses``: already gone), rejected (one of
        ``rejected_statuses``, or a 2xx answer ``rejected_when`` calls a refusal) with the
        warehouse's reason. Other errors are the HTTP layer's."""
        spec: CancelOrderConfig | None = self.config.cancel_order
        if spec is None:
            raise UnsupportedCapabilityError("this warehouse has no cancel_order request")
        target = self._external_id(order, external_id)
        try:
            response = self.client.call(spec, self._context(order, target, reason),
                                        idempotent=True)
        except ClientRequestError as exc:
            if exc.status not in spec.rejected_statuses:
                raise
            why = _refusal(spec, _json_or_text(exc.body))
            log.info("order %s: the warehouse refused the cancellation (%s): %s",
                     order.reference, exc.status, why)
            return CancelOutcome.rejected(f"HTTP {exc.status}: {why}")
        if response is None:
            log.info("order %s: already cancelled or gone in the warehouse", order.reference)
            return CancelOutcome.accepted("already cancelled or gone")
        if spec.rejected_when is not None:
            body = _json_or_text(response.text)
            if _truthy(spec.rejected_when, body):
                why = _refusal(spec, body)
                log.info("order %s: the warehouse refused the cancellation: %s",
                         order.reference, why)
                return CancelOutcome.rejected(why)
        log.info("order %s: cancelled in the warehouse", order.reference)
        return CancelOutcome.accepted()


#: How much of a refusal's body is kept as its reason when no ``reason`` expression says.
REASON_CHARS = 300


def _json_or_text(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _truthy(expression: str, body: Any) -> bool:
    try:
        return bool(search(expression, body))
    except ExpressionProblem:
        return False


def _refusal(spec: CancelOrderConfig, body: Any) -> str:
    """The warehouse's reason for refusing, from ``spec.reason`` or the body itself."""
    if spec.reason is not None:
        try:
            found = search(spec.reason, body)
        except ExpressionProblem:
            found = None
        if found not in (None, "", []):
            return found if isinstance(found, str) else json.dumps(found)
    if body is None:
        return "no reason given"
    text = body if isinstance(body, str) else json.dumps(body, sort_keys=True)
    return text[:REASON_CHARS]
