"""Scenario control: what tests and people do to the sandbox besides calling the API.

:class:`SandboxControl` holds the operations (create, confirm, cancel, update orders; faults;
webhook switches; statistics); :func:`handle_admin` maps ``/sandbox/...`` HTTP routes onto it.
The ``Sandbox`` Python API calls the same methods, so both paths fire the same webhooks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from oc_bridge.errors import PermanentError, UserErrorItem, UserErrorsError
from oc_bridge.sandbox import rules
from oc_bridge.sandbox.export import order_summary, order_to_json
from oc_bridge.sandbox.faults import FaultInjector
from oc_bridge.sandbox.model import Order
from oc_bridge.sandbox.rules import Outcome
from oc_bridge.sandbox.state import SandboxState
from oc_bridge.sandbox.throttle import ThrottleRegistry
from oc_bridge.sandbox.webhooks import WebhookDispatcher

__all__ = ["AdminResponse", "SandboxControl", "UnknownOrderError", "handle_admin"]


class UnknownOrderError(PermanentError):
    """No order has this global ID or number."""


@dataclass(frozen=True)
class AdminResponse:
    """HTTP status and JSON payload of an admin route."""

    status: int
    payload: Any


class SandboxControl:
    """Scenario operations on a running (or not yet started) sandbox."""

    def __init__(
        self,
        state: SandboxState,
        throttle: ThrottleRegistry,
        faults: FaultInjector,
        webhooks: WebhookDispatcher,
        base_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.throttle = throttle
        self.faults = faults
        self.webhooks = webhooks
        self._base_url = base_url

    def _order(self, ref: str) -> Order:
        order = self.state.find_order(ref)
        if order is None:
            raise UnknownOrderError(f"no order {ref!r}")
        return order

    @staticmethod
    def _check(action: str, outcome: Outcome[Any]) -> Any:
        if not outcome.ok:
            raise UserErrorsError(
                action,
                [UserErrorItem(tuple(e.field or ()), e.message) for e in outcome.user_errors],
            )
        return outcome.value

    def create_order(
        self,
        *,
        confirmed: bool = True,
        lines: int | None = None,
        skus: list[str] | None = None,
        note: str | None = None,
        reference: str | None = None,
    ) -> dict[str, Any]:
        """Place a new order from a random retailer; fires ORDER_CREATED (and the confirm ones).

        Raises ``ValueError`` for unknown SKUs or a line count below 1.
        """
        with self.state.lock:
            order = rules.create_order(
                self.state,
                confirmed=confirmed,
                lines=lines,
                skus=skus,
                note=note,
                reference=reference,
            )
            return order_summary(order)

    def confirm_order(self, ref: str) -> dict[str, Any]:
        """Confirm like the supplier would (``UserErrorsError`` when not allowed)."""
        with self.state.lock:
            order = self._check("orderConfirm", rules.confirm_order(self.state, self._order(ref)))
            return order_summary(order)

    def cancel_order(
        self, ref: str, reason: str | None = None, message: str | None = None
    ) -> dict[str, Any]:
        """Cancel (or request cancellation of a shipped order)."""
        with self.state.lock:
            outcome = rules.cancel_order(self.state, self._order(ref), reason, message)
            return order_summary(self._check("orderCancel", outcome))

    def update_order(
        self,
        ref: str,
        *,
        note: str | None = None,
        reference: str | None = None,
        quantities: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """Retailer-side change (note, reference, line quantities); always bumps updatedAt."""
        with self.state.lock:
            outcome = rules.update_order(
                self.state, self._order(ref), note=note, reference=reference, quantities=quantities
            )
            return order_summary(self._check("orderUpdate", outcome))

    def deliver_order(self, ref: str) -> dict[str, Any]:
        """Retailer confirms delivery: ``COMPLETED``."""
        with self.state.lock:
            outcome = rules.deliver_order(self.state, self._order(ref))
            return order_summary(self._check("orderDeliver", outcome))

    def mark_paid(self, ref: str, description: str = "Paid by bank transfer") -> dict[str, Any]:
        """Mark an order paid (as ``orderMarkAsPaid``)."""
        with self.state.lock:
            outcome = rules.mark_order_paid(self.state, self._order(ref), description)
            return order_summary(self._check("orderMarkAsPaid", outcome))

    def get_order(self, ref: str) -> dict[str, Any]:
        """The full order as JSON (fields, lines, shipments, invoices)."""
        with self.state.lock:
            return order_to_json(self._order(ref), self._base_url())

    def stats(self) -> dict[str, Any]:
        """Request, cost and webhook counters."""
        data = self.throttle.snapshot()
        log = self.webhooks.log
        data.update(
            webhooks_delivered=sum(1 for d in log if d["status"] == "delivered"),
            webhooks_failed=sum(1 for d in log if d["status"] == "failed"),
            webhooks_pending=self.webhooks.pending,
        )
        with self.state.lock:
            data["orders"] = len(self.state.orders)
            data["inventory_mutations"] = self.state.inventory_mutations
            data["variants"] = len(self.state.variants)
        return data

    def set_webhooks(self, **changes: Any) -> dict[str, Any]:
        """Switch ``enabled``, ``duplicates`` and ``shuffle``; returns the current switches."""
        options = self.webhooks.options
        unknown = set(changes) - {"enabled", "duplicates", "shuffle"}
        if unknown:
            raise ValueError(f"unknown webhook setting(s): {', '.join(sorted(unknown))}")
        for key, value in changes.items():
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
            setattr(options, key, value)
        return self.webhook_settings()

    def webhook_settings(self) -> dict[str, Any]:
        """Switches, subscriptions and queue length."""
        options = self.webhooks.options
        with self.state.lock:
            subscriptions = [
                {"id": w.id, "topic": w.topic, "endpoint": w.endpoint, "template": w.template}
                for w in self.state.webhooks.values()
            ]
        return {
            "enabled": options.enabled,
            "duplicates": options.duplicates,
            "shuffle": options.shuffle,
            "subscriptions": subscriptions,
            "pending": self.webhooks.pending,
        }


_ORDER_ACTION = re.compile(r"^/sandbox/orders/([^/]+)(?:/([a-z]+))?/?$")


def _str_or_none(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _order_route(
    control: SandboxControl, method: str, ref: str, action: str | None, body: dict[str, Any]
) -> AdminResponse:
    if action is None:
        if method != "GET":
            return AdminResponse(405, {"error": "use GET"})
        return AdminResponse(200, control.get_order(ref))
    if method != "POST":
        return AdminResponse(405, {"error": "use POST"})
    if action == "confirm":
        return AdminResponse(200, control.confirm_order(ref))
    if action == "cancel":
        return AdminResponse(
            200,
            control.cancel_order(ref, _str_or_none(body, "reason"), _str_or_none(body, "message")),
        )
    if action == "update":
        quantities = body.get("quantities")
        if quantities is not None and not (
            isinstance(quantities, dict)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in quantities.values())
        ):
            raise ValueError("quantities must map a line (id, SKU or index) to an integer")
        return AdminResponse(
            200,
            control.update_order(
                ref,
                note=_str_or_none(body, "note"),
                reference=_str_or_none(body, "reference"),
                quantities={str(k): v for k, v in quantities.items()} if quantities else None,
            ),
        )
    if action == "deliver":
        return AdminResponse(200, control.deliver_order(ref))
    if action == "pay":
        return AdminResponse(
            200,
            control.mark_paid(ref, _str_or_none(body, "description") or "Paid by bank transfer"),
        )
    return AdminResponse(404, {"error": f"unknown order action {action!r}"})


def _create_order(control: SandboxControl, body: dict[str, Any]) -> AdminResponse:
    confirmed = body.get("confirmed", True)
    lines = body.get("lines")
    skus = body.get("skus")
    if not isinstance(confirmed, bool):
        raise ValueError("confirmed must be true or false")
    if lines is not None and (not isinstance(lines, int) or isinstance(lines, bool)):
        raise ValueError("lines must be an integer")
    if skus is not None and not (isinstance(skus, list) and all(isinstance(s, str) for s in skus)):
        raise ValueError("skus must be a list of strings")
    created = control.create_order(
        confirmed=confirmed,
        lines=lines,
        skus=skus,
        note=_str_or_none(body, "note"),
        reference=_str_or_none(body, "reference"),
    )
    return AdminResponse(201, created)


def handle_admin(
    control: SandboxControl, method: str, path: str, body: dict[str, Any]
) -> AdminResponse:
    """Serve one ``/sandbox/...`` request (JSON in, JSON out)."""
    try:
        match = _ORDER_ACTION.match(path)
        if match:
            return _order_route(control, method, unquote(match.group(1)), match.group(2), body)
        route = (method, path.rstrip("/"))
        if route == ("POST", "/sandbox/orders"):
            return _create_order(control, body)
        if route == ("GET", "/sandbox/stats"):
            return AdminResponse(200, control.stats())
        if route == ("GET", "/sandbox/faults"):
            return AdminResponse(200, control.faults.settings())
        if route == ("POST", "/sandbox/faults"):
            return AdminResponse(200, control.faults.configure(**body))
        if route == ("GET", "/sandbox/webhooks"):
            return AdminResponse(200, control.webhook_settings())
        if route == ("POST", "/sandbox/webhooks"):
            return AdminResponse(200, control.set_webhooks(**body))
        if route == ("GET", "/sandbox/deliveries"):
            return AdminResponse(200, control.webhooks.log)
        return AdminResponse(404, {"error": f"no route {method} {path}"})
    except UnknownOrderError as exc:
        return AdminResponse(404, {"error": str(exc)})
    except UserErrorsError as exc:
        return AdminResponse(
            409,
            {
                "error": str(exc),
                "userErrors": [{"field": list(e.field), "message": e.message} for e in exc.errors],
            },
        )
    except (ValueError, TypeError) as exc:
        return AdminResponse(400, {"error": str(exc)})
