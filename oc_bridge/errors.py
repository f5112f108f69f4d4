"""The one error tree of oc-bridge, grouped by what the runtime does next.

Every exception oc-bridge raises on purpose derives from :class:`OcBridgeError`. The four
first-level branches tell a caller what to do with it:

- :class:`ConfigurationError`: a human must fix configuration or credentials; never retried.
- :class:`TransientError`: try again later (timeouts, 5xx, throttling).
- :class:`PermanentError`: this item cannot succeed as it is; park it for a human with the reason.
- :class:`AlreadyDoneError`: the effect already exists; treat as success.
- :class:`ClaimLost`: another process took this step over; stop it without recording anything.

Adapters translate library exceptions into this tree at their boundary and always chain the
original with ``raise ... from exc``. The CLI prints an ``OcBridgeError`` as one line; anything
else keeps its traceback because it is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class OcBridgeError(Exception):
    """Root of every error oc-bridge raises on purpose.

    ``status``, ``body`` and ``request_id`` are set when the error came from an HTTP answer
    (Orderchamp or an adapter's back end); ``service`` names which one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str | None = None,
        request_id: str | None = None,
        service: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.request_id = request_id
        self.service = service

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.request_id:
            parts.append(f"[request {self.request_id}]")
        return " ".join(parts)


# --- fix configuration -------------------------------------------------------------------------


class ConfigurationError(OcBridgeError):
    """Settings, credentials or plugins are wrong; a human must fix them. Never retried."""


@dataclass(frozen=True)
class SettingProblem:
    """One configuration problem: the dotted key path and what was expected there."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class SettingsError(ConfigurationError):
    """Every problem found in the configuration at once, each with its key path."""

    def __init__(self, problems: Sequence[SettingProblem], *, source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} configuration problem(s){where}:\n{lines}")


class AuthenticationError(ConfigurationError):
    """The remote service refused our credentials (HTTP 401/403). Never retried."""


class PluginError(ConfigurationError):
    """A plugin failed to load or registered something invalid."""


# --- retry later -------------------------------------------------------------------------------


class TransientError(OcBridgeError):
    """A failure that may go away by itself: retry later with backoff.

    ``retry_after`` (seconds) is set when the server said how long to wait.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ThrottledError(TransientError):
    """The server's rate limit was hit (GraphQL ``Throttled`` or HTTP 429)."""


class ServerError(TransientError):
    """The server answered 5xx."""


class NetworkError(TransientError):
    """Timeout or connection failure before a complete answer arrived."""


class AmbiguousMutationError(TransientError):
    """A mutation may or may not have taken effect (timeout or 5xx after sending).

    It is never re-sent automatically: the caller must re-read state and decide.
    """


# --- park for a human --------------------------------------------------------------------------


class PermanentError(OcBridgeError):
    """This item cannot succeed as it is; park it for a human with this message."""


class AdapterFault(PermanentError):
    """An adapter raised something other than an oc-bridge error (a bug, or a library error it
    did not translate). Raised by :class:`~oc_bridge.boundary.BoundAdapter` from the original
    (``__cause__``), whose traceback is in the log: the item at hand fails or is parked for
    that instance only. ``instance``, ``method`` and ``error_type`` say where and what."""

    def __init__(self, instance: str, method: str, cause: BaseException) -> None:
        detail = str(cause) if not isinstance(cause, KeyError) else f"missing key {cause}"
        super().__init__(f"adapter {instance}: {method} raised {type(cause).__name__}: "
                         f"{detail}")
        self.instance = instance
        self.method = method
        self.error_type = type(cause).__name__


@dataclass(frozen=True)
class GraphQLErrorItem:
    """One entry of a GraphQL ``errors`` list."""

    message: str
    path: tuple[str | int, ...] = ()
    extensions: dict[str, Any] | None = None

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{self.message} (at {where})" if where else self.message


class GraphQLError(PermanentError):
    """The server answered with GraphQL ``errors`` (other than throttling)."""

    def __init__(self, errors: Sequence[GraphQLErrorItem], **kw: Any) -> None:
        self.errors = list(errors)
        super().__init__("GraphQL error: " + "; ".join(str(e) for e in self.errors), **kw)


@dataclass(frozen=True)
class UserErrorItem:
    """One entry of a mutation's ``userErrors``: the input field path and the message."""

    field: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{'.'.join(self.field)}: {self.message}" if self.field else self.message


class UserErrorsError(PermanentError):
    """A mutation was refused with ``userErrors`` (HTTP 200, business rule)."""

    def __init__(self, mutation: str, errors: Sequence[UserErrorItem], **kw: Any) -> None:
        self.mutation = mutation
        self.errors = list(errors)
        super().__init__(f"{mutation} refused: " + "; ".join(str(e) for e in self.errors), **kw)


class MalformedResponseError(PermanentError):
    """The answer was not what the protocol promises (not JSON, no ``data``, wrong shape)."""


class ClientRequestError(PermanentError):
    """The server rejected the request itself (4xx other than auth and rate limit)."""


class MappingError(PermanentError):
    """An order or shipment could not be mapped (missing SKU, bad quantity, unknown line...)."""


class RejectedError(PermanentError):
    """A fulfilment back end rejected an order or request for good."""


# --- treat as success --------------------------------------------------------------------------


class AlreadyDoneError(OcBridgeError):
    """The effect already exists (e.g. the order was already submitted); treat as success.

    ``external_id`` carries the back end's identifier of the existing object when known.
    """

    def __init__(self, message: str, *, external_id: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.external_id = external_id


# --- another process took over -------------------------------------------------------------------


class ClaimLost(OcBridgeError):
    """This process no longer holds the claim on a step (its lease expired and another process
    took the step over). Stop the step and record nothing: the new holder resumes it from the
    ledger. Raised before an intent or outcome would have been written."""
