"""The one HTTP layer of oc-bridge: timeouts, error mapping, retries and secret redaction.

Everything that talks HTTP (the Orderchamp client, warehouse and shipping adapters) goes through
:class:`HttpClient`, so these rules hold everywhere:

- **Error mapping** happens in exactly one place, :func:`raise_for_status`, plus
  :func:`_translate` for network failures. No raw ``requests`` exception escapes; the original is
  always chained (``raise ... from exc``).
- **Retry policy** lives in exactly one place, :meth:`HttpClient.send`: tenacity, only
  :class:`~oc_bridge.errors.TransientError`, jittered exponential backoff, the server's
  ``Retry-After`` honoured exactly (never shorter), a bounded number of attempts.
- **Non-idempotent requests** (POST and PATCH unless ``idempotent=True``) are re-sent only when
  the server certainly did not act on them: after a 429 / ``ThrottledError`` (the server refused
  before processing) or after a connect failure (``ConnectTimeout``, or a ``ConnectionError``
  whose cause is urllib3's ``NewConnectionError``/``ConnectTimeoutError``, DNS failure or
  connection refused): the request never left this machine. Any other transient failure (read
  timeout, connection reset after sending, 5xx) may have taken effect and is raised as
  :class:`~oc_bridge.errors.AmbiguousMutationError` chained from the cause, without a retry.
- **Rate limits**: with a :class:`~oc_bridge.ratelimit.RateLimiter` (``rate_limiter=``) every
  attempt waits on it first and every answer, 429s included, is shown to it, so the wait a
  server asked for also applies to the call after one that ran out of attempts.
- **Redaction**: every error message, error body and log line passes through :func:`redact`
  with the configured secrets, so tokens never reach logs or tracebacks.
"""

from __future__ import annotations

import contextlib
import email.utils
import json as jsonlib
import logging
import random
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import tenacity
import urllib3.exceptions

from oc_bridge import __version__
from oc_bridge.errors import (
    AmbiguousMutationError,
    AuthenticationError,
    ClientRequestError,
    ConfigurationError,
    NetworkError,
    OcBridgeError,
    ServerError,
    ThrottledError,
    TransientError,
)

if TYPE_CHECKING:
    from oc_bridge.ratelimit import RateLimiter

__all__ = [
    "USER_AGENT",
    "HttpClient",
    "OnResponse",
    "raise_for_status",
    "redact",
    "request_id_of",
    "retry_after_seconds",
]

logger = logging.getLogger(__name__)

USER_AGENT = f"oc-bridge/{__version__} (+https://github.com/oc-bridge)"
BODY_LIMIT = 2000
"""Error bodies are truncated to this many characters."""
MIN_SECRET_LENGTH = 4
"""Shorter "secrets" are ignored: masking them would garble ordinary text."""

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_REQUEST_ID_HEADERS = ("X-Request-Id", "Request-Id", "X-Amzn-RequestId", "X-Correlation-Id")
_RESET_HEADERS = ("RateLimit-Reset", "X-RateLimit-Reset", "X-Rate-Limit-Reset")
_EPOCH_THRESHOLD = 1_000_000_000  # a reset value above this is a Unix time, not a delta
_NETWORK_FAILURES = (
    requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_MISCONFIGURED = (
    requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader,
    requests.exceptions.URLRequired,
)
_NOTHING_SENT = (urllib3.exceptions.ConnectTimeoutError, ConnectionRefusedError, socket.gaierror)
"""Causes that prove no byte was sent (ConnectTimeoutError includes NewConnectionError, DNS)."""

T = TypeVar("T")
OnResponse = Callable[[str, str, str, "int | None", float], None]
"""``on_response(service, method, path, status, seconds)``; ``status`` is None without answer."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (and its URL-encoded form) with ``***``.

    Secrets shorter than :data:`MIN_SECRET_LENGTH` are ignored. Replacement repeats until no
    secret is left, so overlapping occurrences cannot leave a secret behind.
    """
    needles: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            needles.add(secret)
            needles.add(quote(secret, safe=""))
    if not needles:
        return text
    ordered = sorted(needles, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for needle in ordered:
            if needle in text:
                text = text.replace(needle, "***")
                changed = True
    return text


def retry_after_seconds(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time,
    names: Sequence[str] = (),
) -> float | None:
    """How long the server asked us to wait, in seconds, or None when it did not say.

    Reads the service's own headers ``names`` first (delta seconds, e.g. ShipBob's
    ``x-retry-after``), then ``Retry-After`` (delta seconds or an HTTP-date), then the
    rate-limit reset headers (``RateLimit-Reset``, ``X-RateLimit-Reset``,
    ``X-Rate-Limit-Reset``: delta seconds, or a Unix time when the number is that large).
    """
    for name in names:
        own = headers.get(name)
        try:
            return max(0.0, float(own.strip())) if own else None
        except ValueError:
            continue
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                moment = None
            if moment is not None:
                return max(0.0, moment.timestamp() - now())
    for name in _RESET_HEADERS:
        value = headers.get(name)
        if not value:
            continue
        try:
            number = float(value.strip())
        except ValueError:
            continue
        return max(0.0, number - now()) if number > _EPOCH_THRESHOLD else max(0.0, number)
    return None


def request_id_of(response: requests.Response) -> str | None:
    """The server's request id for this answer (``X-Request-Id``, ``Request-Id``...), if any."""
    for name in _REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return value
    return None


def _body_message(body: str) -> str:
    """The human part of an error body: a JSON ``message``-like field, else the text itself."""
    try:
        parsed = jsonlib.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("message", "Message", "error_description", "error", "detail", "title"):
            value = parsed.get(key)
            if isinstance(value, str) and value:
                return value
        errors = parsed.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = errors[0].get("message")
            if isinstance(message, str) and message:
                return message
    text = " ".join(body.split())
    return text[:200] + ("…" if len(text) > 200 else "")


def raise_for_status(
    response: requests.Response,
    service: str,
    *,
    secrets: Sequence[str] = (),
    now: Callable[[], float] = time.time,
    retry_after_headers: Sequence[str] = (),
) -> None:
    """Raise the oc-bridge error for a non-success answer; return None for status < 400.

    The one status mapping of the project: 401/403 :class:`AuthenticationError`; 429
    :class:`ThrottledError` with ``retry_after``; 5xx :class:`ServerError`; any other 4xx
    :class:`ClientRequestError` carrying the body's message. Every error carries ``status``, the
    (truncated, redacted) ``body``, ``request_id`` and ``service``.
    """
    status = response.status_code
    if status < 400:
        return
    body = redact(response.text[:BODY_LIMIT], secrets)
    detail = _body_message(body) or response.reason or "no detail"
    common: dict[str, Any] = {
        "status": status,
        "body": body,
        "request_id": request_id_of(response),
        "service": service,
    }
    if status in (401, 403):
        raise AuthenticationError(f"{service} refused the credentials: {detail}", **common)
    if status == 429:
        wait = retry_after_seconds(response.headers, now=now, names=retry_after_headers)
        hint = f"; retry after {wait:.1f}s" if wait is not None else ""
        raise ThrottledError(f"{service} rate limit hit{hint}", retry_after=wait, **common)
    if status >= 500:
        raise ServerError(f"{service} server error: {detail}", **common)
    raise ClientRequestError(f"{service} rejected the request: {detail}", **common)


def _nothing_sent(exc: BaseException) -> bool:
    """True when a ``requests`` failure happened before any byte of the request was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _NOTHING_SENT):
            return True
        if isinstance(current, BaseException):
            todo.extend([current.__cause__, current.__context__, *current.args])
            todo.append(getattr(current, "reason", None))
    return False


def _translate(
    exc: requests.RequestException, service: str, secrets: Sequence[str]
) -> OcBridgeError:
    """Map a ``requests`` exception to the error tree (the caller chains it)."""
    text = redact(f"{type(exc).__name__}: {exc}", secrets)
    if isinstance(exc, _NETWORK_FAILURES):
        return NetworkError(f"{service} unreachable: {text}", service=service)
    if isinstance(exc, _MISCONFIGURED):
        return ConfigurationError(f"{service} request is misconfigured: {text}", service=service)
    return ClientRequestError(f"{service} request failed: {text}", service=service)


def _scrub(exc: BaseException, secrets: Sequence[str]) -> None:
    """Redact secrets from a library exception's args (it is chained, so tracebacks show it)."""
    with contextlib.suppress(AttributeError, TypeError):  # exotic exception types
        exc.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in exc.args)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, TransientError) and not isinstance(exc, AmbiguousMutationError)


class HttpClient:
    """A ``requests`` session with explicit timeouts, one retry policy and redaction.

    Callers may rely on: :meth:`request` returns only answers with status < 400; every failure
    is an :class:`~oc_bridge.errors.OcBridgeError` whose text contains none of ``secrets``;
    transient failures are retried up to ``max_attempts`` attempts in total; a non-idempotent
    request is never re-sent after a failure that may have taken effect (see module docstring).
    A 429 is retried after exactly the wait the server asked for: ``retry_after_headers``
    names the service's own header for it (read before ``Retry-After``).
    """

    def __init__(
        self,
        base_url: str | None,
        *,
        service: str,
        timeout: tuple[float, float] = (5.0, 30.0),
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        secrets: Sequence[str] = (),
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 300.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        user_agent_extra: str | None = None,
        on_response: OnResponse | None = None,
        retry_after_headers: Sequence[str] = (),
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url
        self.service = service
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.on_response = on_response
        self.retry_after_headers = tuple(retry_after_headers)
        self.rate_limiter = rate_limiter
        self._secrets: list[str] = [s for s in secrets if s]
        self._sleep = sleep
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        agent = USER_AGENT + (f" {user_agent_extra}" if user_agent_extra else "")
        self.session.headers.update({"User-Agent": agent, "Accept": "application/json"})
        if headers:
            self.session.headers.update(dict(headers))
        if auth is not None:
            self.session.auth = auth

    # -- secrets ---------------------------------------------------------------------------------

    def add_secret(self, secret: str) -> None:
        """Also mask ``secret`` from now on (e.g. a token obtained after construction)."""
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def redact(self, text: str) -> str:
        """``text`` with every configured secret replaced by ``***``."""
        return redact(text, self._secrets)

    # -- requests --------------------------------------------------------------------------------

    def url_for(self, url_or_path: str) -> str:
        """An absolute URL: ``url_or_path`` itself, or joined onto ``base_url``."""
        if url_or_path.startswith(("http://", "https://")):
            return url_or_path
        if self.base_url is None:
            raise ConfigurationError(
                f"{self.service}: relative path {url_or_path!r} without a base URL",
                service=self.service,
            )
        if not url_or_path:
            return self.base_url
        return self.base_url.rstrip("/") + "/" + url_or_path.lstrip("/")

    def request(
        self,
        method: str,
        url_or_path: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send a request under the retry policy; return the successful (< 400) response."""
        return self.send(
            method, url_or_path, json=json, data=data, params=params, headers=headers,
            idempotent=idempotent, parse=lambda response: response,
        )

    def send(
        self,
        method: str,
        url_or_path: str,
        *,
        parse: Callable[[requests.Response], T],
        json: Any = None,
        data: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        before_attempt: Callable[[int], None] | None = None,
    ) -> T:
        """Like :meth:`request`, but ``parse`` turns each successful answer into the result.

        ``parse`` runs inside the retry loop, so it may raise a
        :class:`~oc_bridge.errors.TransientError` (e.g. a GraphQL ``Throttled`` answered with
        HTTP 200) and have it retried by the same policy. ``before_attempt(n)`` runs before
        attempt ``n`` (1-based), e.g. to wait on a rate-limit bucket.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        url = self.url_for(url_or_path)
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            if self.rate_limiter is not None:
                self.rate_limiter.before_request()
            if before_attempt is not None:
                before_attempt(attempts)
            try:
                response = self._send_once(method, url, json, data, params, headers)
                return parse(response)
            except TransientError as exc:
                if idempotent or self._safe_to_resend(exc):
                    raise
                raise AmbiguousMutationError(
                    self.redact(
                        f"{self.service}: {method} may or may not have taken effect ({exc}); "
                        "not re-sent — re-read state before trying again"
                    ),
                    status=exc.status, body=exc.body, request_id=exc.request_id,
                    service=self.service,
                ) from exc

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(self._should_retry),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(attempt)

    def _send_once(
        self,
        method: str,
        url: str,
        json: Any,
        data: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        path = urlsplit(url).path or "/"
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, json=json, data=data, params=params,
                headers=dict(headers) if headers else None, timeout=self.timeout,
            )
        except requests.RequestException as exc:
            seconds = time.monotonic() - started
            self._observe(method, path, None, seconds)
            logger.debug("%s %s failed after %.3fs: %s", method, self.redact(url), seconds,
                         self.redact(type(exc).__name__))
            _scrub(exc, self._secrets)
            raise _translate(exc, self.service, self._secrets) from exc
        seconds = time.monotonic() - started
        self._observe(method, path, response.status_code, seconds)
        logger.debug("%s %s -> %d in %.3fs", method, self.redact(url), response.status_code,
                     seconds)
        if self.rate_limiter is not None:
            self.rate_limiter.observe(response.headers)
            if response.status_code == 429:
                self.rate_limiter.pause(
                    retry_after_seconds(response.headers, names=self.retry_after_headers))
        raise_for_status(response, self.service, secrets=self._secrets,
                         retry_after_headers=self.retry_after_headers)
        return response

    def _observe(self, method: str, path: str, status: int | None, seconds: float) -> None:
        if self.on_response is None:
            return
        try:
            self.on_response(self.service, method, path, status, seconds)
        except Exception:  # an observer must never break a request
            logger.exception("on_response hook failed")

    # -- retry policy ----------------------------------------------------------------------------

    @staticmethod
    def _safe_to_resend(exc: TransientError) -> bool:
        """The non-idempotent re-send rule: only when the server certainly did not act."""
        if isinstance(exc, ThrottledError):
            return True
        return isinstance(exc, NetworkError) and exc.__cause__ is not None and _nothing_sent(
            exc.__cause__
        )

    def _should_retry(self, exc: BaseException) -> bool:
        if not _retryable(exc):
            return False
        retry_after = getattr(exc, "retry_after", None)
        # A server asking for a very long pause gets it from the caller's schedule, not a sleep.
        return retry_after is None or retry_after <= self.max_retry_after

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Exactly the server's ``retry_after`` when given, else jittered exponential backoff."""
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (state.attempt_number - 1))
        return ceiling * random.uniform(0.5, 1.0)

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.info(
            "%s: retrying in %.2fs after attempt %d of %d failed: %s",
            self.service, wait, state.attempt_number, self.max_attempts,
            self.redact(str(exc)),
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
