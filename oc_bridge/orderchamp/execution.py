"""Running one GraphQL operation against Orderchamp: cost, bucket, transport and answer checks.

:class:`Executor` is the engine room of :class:`~oc_bridge.orderchamp.client.OrderchampClient`:

1. variables whose value is None are dropped (never sent as null: a null ``updatedSince``
   returned zero orders in the field);
2. the requested cost is computed with the shared rule
   (:func:`oc_bridge.orderchamp.cost.requested_cost`); a document above ``max_query_cost`` is
   refused locally with a :class:`~oc_bridge.errors.PermanentError`;
3. each attempt first waits on the :class:`~oc_bridge.orderchamp.bucket.LeakyBucket`;
4. the request goes through :class:`oc_bridge.http.HttpClient` — the one retry policy — with
   ``idempotent`` set for queries only, so a mutation is never re-sent after an ambiguous
   failure (:class:`~oc_bridge.errors.AmbiguousMutationError`);
5. the answer is checked: not JSON or no ``data`` → :class:`MalformedResponseError`; a
   ``Throttled`` error → :class:`ThrottledError`, retried once the bucket has refilled the
   requested cost; any other ``errors`` → :class:`GraphQLError` (message and path).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import requests

from oc_bridge.errors import (
    GraphQLError,
    GraphQLErrorItem,
    MalformedResponseError,
    PermanentError,
    ThrottledError,
)
from oc_bridge.http import HttpClient, request_id_of
from oc_bridge.orderchamp.bucket import LeakyBucket
from oc_bridge.orderchamp.cost import actual_cost, requested_cost
from oc_bridge.orderchamp.operations import Operation

__all__ = ["ClientStats", "Executor", "is_throttled"]

logger = logging.getLogger(__name__)

SERVICE = "orderchamp"


@dataclass
class ClientStats:
    """Running totals of one client; read them for progress lines and metrics.

    ``requests`` counts every HTTP attempt (retries included) and ``retries`` the re-sends.
    ``points_spent`` is the actual cost reported by the server (``extensions.throttle``) or,
    when it reports none, the cost computed from the returned data. ``throttle_waits`` and
    ``throttle_wait_seconds`` count the waits on the client-side bucket (the way throttling is
    avoided); ``throttled_answers`` counts the server's ``Throttled`` answers (ideally 0).
    """

    requests: int = 0
    points_requested: int = 0
    points_spent: int = 0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    throttled_answers: int = 0
    retries: int = 0
    #: Operation name -> ``{"requests": n, "points": actual points}``.
    by_operation: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, operation: str, *, requests: int = 0, points: int = 0) -> None:
        """Add to one operation's totals."""
        totals = self.by_operation.setdefault(operation, {"requests": 0, "points": 0})
        totals["requests"] += requests
        totals["points"] += points

    def snapshot(self) -> ClientStats:
        """A copy, to subtract from later totals (:meth:`since`)."""
        return replace(self, by_operation={k: dict(v) for k, v in self.by_operation.items()})

    def since(self, earlier: ClientStats) -> ClientStats:
        """What happened after ``earlier`` (a :meth:`snapshot` of this client's stats)."""
        spent = {}
        for name, totals in self.by_operation.items():
            before = earlier.by_operation.get(name, {})
            delta = {key: value - before.get(key, 0) for key, value in totals.items()}
            if any(delta.values()):
                spent[name] = delta
        return ClientStats(
            requests=self.requests - earlier.requests,
            points_requested=self.points_requested - earlier.points_requested,
            points_spent=self.points_spent - earlier.points_spent,
            throttle_waits=self.throttle_waits - earlier.throttle_waits,
            throttle_wait_seconds=self.throttle_wait_seconds - earlier.throttle_wait_seconds,
            throttled_answers=self.throttled_answers - earlier.throttled_answers,
            retries=self.retries - earlier.retries, by_operation=spent)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready totals (``--json`` output)."""
        data = asdict(self)
        data["throttle_wait_seconds"] = round(self.throttle_wait_seconds, 3)
        return data


def is_throttled(error: Mapping[str, Any]) -> bool:
    """True for Orderchamp's throttling error (message ``Throttled`` or code ``THROTTLED``)."""
    extensions = error.get("extensions")
    if isinstance(extensions, Mapping) and str(extensions.get("code", "")).upper() == "THROTTLED":
        return True
    message = error.get("message")
    return isinstance(message, str) and message.strip().rstrip(".").lower() == "throttled"


def _number(mapping: Mapping[str, Any], key: str) -> float | None:
    value = mapping.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class Executor:
    """Sends operations for one token; owns the bucket, the stats and (optionally) the HTTP client.

    Callers may rely on :meth:`run` returning the ``data`` object of a successful answer and
    raising only :class:`~oc_bridge.errors.OcBridgeError` subclasses whose text never contains
    the token.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        http: HttpClient,
        bucket: LeakyBucket | None,
        max_query_cost: int,
        restore_rate: float,
    ) -> None:
        self.api_url = api_url
        self.http = http
        self.bucket = bucket
        self.max_query_cost = max_query_cost
        self.restore_rate = restore_rate
        self.stats = ClientStats()
        # The daemon's workers share one client: totals are added under a lock.
        self._stats_lock = threading.Lock()
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        http.add_secret(token)

    def run(
        self, operation: Operation, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run ``operation`` with ``variables`` (None values omitted); return ``data``."""
        sent = {key: value for key, value in (variables or {}).items() if value is not None}
        cost = requested_cost(operation.document, sent, operation.name)
        if cost > self.max_query_cost:
            raise PermanentError(
                f"{operation.name} would request {cost} points, more than the "
                f"{self.max_query_cost} allowed per query; ask for smaller pages",
                service=SERVICE,
            )
        payload = {"query": operation.source, "variables": sent, "operationName": operation.name}
        holding = False  # the bucket holds points for an attempt that has not been settled

        def before_attempt(attempt: int) -> None:
            nonlocal holding
            if holding and self.bucket is not None:
                self.bucket.settle(cost, cost)  # failed attempt: assume it was charged
            holding = False
            waited = 0.0
            if self.bucket is not None:
                waited = self.bucket.acquire(cost)
                holding = True
                if waited > 0:
                    logger.debug("%s: waited %.3fs for %d points", operation.name, waited, cost)
            with self._stats_lock:
                if attempt > 1:
                    self.stats.retries += 1
                if waited > 0:
                    self.stats.throttle_waits += 1
                    self.stats.throttle_wait_seconds += waited
                self.stats.requests += 1
                self.stats.points_requested += cost
                self.stats.count(operation.name, requests=1)

        def parse(response: requests.Response) -> dict[str, Any]:
            nonlocal holding
            holding = False
            return self._check(response, operation, sent, cost)

        try:
            return self.http.send(
                "POST", self.api_url, json=payload, headers=self._headers,
                idempotent=not operation.is_mutation, parse=parse, before_attempt=before_attempt,
            )
        finally:
            if holding and self.bucket is not None:
                self.bucket.settle(cost, cost)

    def _check(
        self,
        response: requests.Response,
        operation: Operation,
        variables: Mapping[str, Any],
        cost: int,
    ) -> dict[str, Any]:
        """Account for the answer's cost and turn it into ``data`` or an error."""
        common: dict[str, Any] = {
            "status": response.status_code,
            "request_id": request_id_of(response),
            "service": SERVICE,
        }
        try:
            body = response.json()
        except ValueError as exc:
            self._settle(cost, cost, None)
            snippet = self.http.redact(response.text[:200])
            raise MalformedResponseError(
                f"{operation.name}: answer is not JSON: {snippet!r}",
                body=self.http.redact(response.text[:2000]), **common,
            ) from exc
        if not isinstance(body, dict):
            self._settle(cost, cost, None)
            raise MalformedResponseError(f"{operation.name}: answer is not a JSON object",
                                         **common)
        extensions = body.get("extensions")
        throttle = extensions.get("throttle") if isinstance(extensions, dict) else None
        throttle = throttle if isinstance(throttle, dict) else None
        raw_errors = body.get("errors") or []
        errors = [e for e in raw_errors if isinstance(e, dict)] if isinstance(
            raw_errors, list) else []
        if any(is_throttled(e) for e in errors):
            self._throttled(cost, throttle)
            retry_after = 0.0 if self.bucket is not None else self._throttle_wait(cost, throttle)
            raise ThrottledError(f"{operation.name}: Throttled by {SERVICE}",
                                 retry_after=retry_after, **common)
        data = body.get("data")
        actual = _number(throttle, "actualCost") if throttle else None
        if actual is None:
            actual = float(
                actual_cost(operation.document, data, variables, operation.name)
                if isinstance(data, dict) else cost
            )
        self._settle(cost, actual, throttle)
        with self._stats_lock:
            self.stats.points_spent += round(actual)
            self.stats.count(operation.name, points=round(actual))
        if throttle:
            logger.debug("%s: cost requested %s, actual %s, remaining %s", operation.name,
                         throttle.get("requestedCost"), throttle.get("actualCost"),
                         throttle.get("remaining"))
        if raw_errors:
            items = [self._error_item(e) for e in errors]
            raise GraphQLError(items or [GraphQLErrorItem(self.http.redact(str(raw_errors)))],
                               **common)
        if not isinstance(data, dict):
            raise MalformedResponseError(f"{operation.name}: answer has no data", **common)
        return data

    def _error_item(self, error: Mapping[str, Any]) -> GraphQLErrorItem:
        path = error.get("path")
        extensions = error.get("extensions")
        return GraphQLErrorItem(
            message=self.http.redact(str(error.get("message", "unknown error"))),
            path=tuple(p for p in path if isinstance(p, str | int)) if isinstance(path, list)
            else (),
            extensions=dict(extensions) if isinstance(extensions, dict) else None,
        )

    def _settle(self, cost: int, actual: float, throttle: Mapping[str, Any] | None) -> None:
        if self.bucket is None:
            return
        self.bucket.settle(cost, actual)
        self._sync(throttle)

    def _sync(self, throttle: Mapping[str, Any] | None) -> bool:
        """Adopt the server's ``extensions.throttle`` figures; False when there are none."""
        remaining = _number(throttle, "remaining") if throttle else None
        if self.bucket is None or throttle is None or remaining is None:
            return False
        self.bucket.sync(remaining, _number(throttle, "restoreRate"), _number(throttle, "limit"))
        return True

    def _throttled(self, cost: int, throttle: Mapping[str, Any] | None) -> None:
        """A ``Throttled`` answer: nothing was charged, but the server has less than we thought."""
        with self._stats_lock:
            self.stats.throttled_answers += 1
        if self.bucket is None:
            return
        self.bucket.settle(cost, 0)
        if not self._sync(throttle):
            self.bucket.drain()
        logger.info("%s answered Throttled; waiting %.2fs for the bucket", SERVICE,
                    self.bucket.wait_time(cost))

    def _throttle_wait(self, cost: int, throttle: Mapping[str, Any] | None) -> float:
        """Without a local bucket: how long until the server can afford ``cost``."""
        rate = (_number(throttle, "restoreRate") if throttle else None) or self.restore_rate
        remaining = (_number(throttle, "remaining") if throttle else None) or 0.0
        return max(0.0, (cost - remaining) / rate)

