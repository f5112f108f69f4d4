"""Sending configured requests: templates rendered, credentials and pacing applied, through the
project's one HTTP layer (:class:`oc_bridge.http.HttpClient`: status mapping, retries, the
never-re-send-an-ambiguous-POST rule, redaction)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from oc_bridge.errors import ClientRequestError, MappingError
from oc_bridge.http import HttpClient
from oc_bridge.ratelimit import RateLimiter
from oc_bridge_rest.config import RestWmsConfig
from oc_bridge_rest.config_base import RequestConfig
from oc_bridge_rest.extract import ExpressionProblem, build_body
from oc_bridge_rest.templating import TemplateProblem, render, render_json

__all__ = ["WarehouseClient"]

log = logging.getLogger(__name__)


class WarehouseClient:
    """One warehouse API as configured. :meth:`call` renders and sends a request and returns
    the response (None when its status is one of the request's ``accept_statuses``)."""

    def __init__(self, config: RestWmsConfig, *, service: str,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.config = config
        headers = dict(config.headers)
        secrets: list[str] = []
        self.auth_query: dict[str, str] = {}
        if config.auth is not None:
            headers.update(config.auth.headers())
            self.auth_query = config.auth.query()
            secrets = config.auth.secrets()
        self.limiter: RateLimiter | None = None
        if config.rate_limit is not None:
            rl = config.rate_limit
            self.limiter = RateLimiter(
                requests=rl.requests, per_seconds=rl.per_seconds, service="warehouse",
                remaining_header=rl.remaining_header, reset_header=rl.reset_header,
                reset_is_epoch=rl.reset_is == "epoch", reserve=rl.reserve,
                clock=clock, wall_clock=wall_clock, sleep=sleep,
            )
        self.http = HttpClient(
            config.base_url, service=service,
            timeout=(config.timeout.connect, config.timeout.read), headers=headers,
            secrets=secrets, max_attempts=config.max_attempts, session=session, sleep=sleep,
            retry_after_headers=(config.rate_limit.retry_after_header,)
            if config.rate_limit is not None else (),
            # The HTTP layer paces every attempt and shows the limiter every answer, a 429
            # included, so a call that gives up on a 429 still holds back the next one.
            rate_limiter=self.limiter,
        )

    def send(self, method: str, url_or_path: str, *, params: Mapping[str, Any] | None = None,
             json: Any = None, headers: Mapping[str, str] | None = None,
             idempotent: bool | None = None) -> requests.Response:
        """Send one request (credentials in the query for ``query`` auth, paced)."""
        return self.http.send(
            method, url_or_path, parse=lambda response: response, json=json,
            params={**(params or {}), **self.auth_query}, headers=headers,
            idempotent=idempotent,
        )

    def get(self, url_or_path: str, params: dict[str, Any]) -> requests.Response:
        """A GET (the paginator's fetch function)."""
        return self.send("GET", url_or_path, params=params)

    def render_request(self, request: RequestConfig, context: dict[str, Any]
                       ) -> tuple[str, dict[str, str], dict[str, str], Any]:
        """Path, query, headers and body of ``request`` for ``context``; a template or field
        map that fails on this order is a :class:`MappingError` (the order is parked)."""
        try:
            path = render(request.path, context).strip()
            query = {k: render(v, context) for k, v in request.query.items()}
            headers = {k: render(v, context) for k, v in request.headers.items()}
            body: Any = None
            if request.body_template is not None:
                body = render_json(request.body_template, context)
            elif request.body_fields is not None:
                body = build_body(request.body_fields, context)
        except (TemplateProblem, ExpressionProblem) as exc:
            raise MappingError(f"{request.method} {request.path}: {exc}") from exc
        return path, query, headers, body

    def call(self, request: RequestConfig, context: dict[str, Any], *,
             extra_headers: Mapping[str, str] | None = None,
             idempotent: bool | None = None) -> requests.Response | None:
        """Render and send ``request``; None when the warehouse answered one of its
        ``accept_statuses``. Errors are the HTTP layer's (see :mod:`oc_bridge.http`)."""
        path, query, headers, body = self.render_request(request, context)
        headers.update(extra_headers or {})
        try:
            return self.send(request.method, path, params=query, json=body,
                             headers=headers or None, idempotent=idempotent)
        except ClientRequestError as exc:
            if exc.status in request.accept_statuses:
                log.debug("%s %s answered %s: accepted", request.method, request.path,
                          exc.status)
                return None
            raise

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()
