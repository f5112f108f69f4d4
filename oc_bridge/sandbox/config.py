"""The sandbox's settings: data size and seed, throttling, faults and webhook behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from oc_bridge.sandbox.ids import global_id

__all__ = ["DEFAULT_ACCOUNT_ID", "SandboxConfig"]

DEFAULT_ACCOUNT_ID = global_id("Account", 1)


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes one sandbox; the same config and seed give the same data.

    Fault rates, latency and webhook switches are only the *initial* values: they can be changed
    at run time through ``POST /sandbox/faults`` and ``POST /sandbox/webhooks``.
    """

    orders: int = 50
    #: At least this many product variants: the built-in catalogue (a few hundred) is padded
    #: with ``NZ-BULK-NNNNN`` variants (stock tests at scale).
    catalogue_size: int = 0
    seed: int = 1
    #: Enforce the leaky bucket (requests over the available points get ``Throttled``).
    throttle: bool = False
    webhook_secret: str = "sandbox-secret"
    #: When set, only this bearer token is accepted; otherwise any non-empty token is.
    token: str | None = None
    bucket_size: int = 1000
    restore_rate: float = 50.0
    max_query_cost: int = 2000
    #: Refuse queries over ``max_query_cost`` (``MAX_COST_EXCEEDED``); ``None`` = when throttling.
    enforce_max_cost: bool | None = None
    fault_5xx_rate: float = 0.0
    fault_429_rate: float = 0.0
    latency_ms: int = 0
    webhooks_enabled: bool = True
    webhook_duplicates: bool = False
    webhook_shuffle: bool = False
    #: Serve this SDL file instead of the built-in ``schema.graphql``.
    schema_path: str | Path | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    account_name: str = "Studio Noordzee B.V."
    #: Refuse ``localhost``/loopback/``*.internal`` webhook endpoints like the real API does.
    strict_endpoints: bool = False
    webhook_max_attempts: int = 8
    #: First retry delay in seconds; each further retry doubles it (0.5, 1, 2, 4 ...).
    webhook_retry_base: float = 0.5
    webhook_retry_max_delay: float = 60.0
    webhook_timeout: float = 5.0
    #: With ``webhook_shuffle``: how long the worker gathers due deliveries into one batch.
    webhook_batch_window: float = 0.05
    webhook_batch_size: int = 10
    #: Anchor of the generated timeline (default: now, to the minute). Fix it for byte-equal data.
    now: datetime | None = None
    #: Share of generated orders with more than 100 lines.
    large_order_rate: float = 0.01
    #: Waitress worker threads.
    threads: int = 4
    #: Cursors of the ``orders`` listing are positions among the matches (offset cursors, as
    #: many Relay servers use) instead of item keys: an order updated under ``UPDATED_AT_ASC``
    #: while a client pages then shifts every later page by one.
    positional_cursors: bool = False
