"""Configuration: one frozen pydantic-settings model, loaded from layered sources.

Sources, strongest first:

1. command-line overrides (``--set section.key=value``, and options such as ``--store-url``);
2. the environment: ``OC_BRIDGE_`` prefix, ``__`` between nesting levels
   (``OC_BRIDGE_ORDERCHAMP__TOKEN``, ``OC_BRIDGE_ADAPTERS__CSV__OUTBOUND_DIR``);
3. the TOML file: ``--config PATH``, else ``$OC_BRIDGE_CONFIG``, else ``./settings.toml``
   if present;
4. the defaults below.

Every adapter table ``[adapters.<instance>]`` is kept as-is here and validated by the adapter's
own strict model when adapters are built; ``type`` defaults to the table name so several
instances of one adapter type can coexist (``[adapters.csv_eu]`` with ``type = "csv"``).

:func:`load_settings` reports every problem at once as a :class:`~oc_bridge.errors.SettingsError`
whose problems carry the dotted key path. Secrets are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import contextvars
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from oc_bridge.errors import SettingProblem, SettingsError
from oc_bridge.orderchamp.enums import normalise_shipment_method

__all__ = [
    "AccountSettings",
    "AdapterSection",
    "AlertEmailSettings",
    "AlertSettings",
    "AlertWebhookSettings",
    "CarrierMapping",
    "ConsoleSettings",
    "DaemonSettings",
    "LoggingSettings",
    "OrderchampSettings",
    "RoutingRule",
    "Settings",
    "StoreSettings",
    "SyncSettings",
    "config_path_from",
    "cross_problems",
    "load_settings",
    "parse_override",
]

ENV_PREFIX = "OC_BRIDGE_"
DEFAULT_CONFIG_FILE = "settings.toml"

_toml_path: contextvars.ContextVar[Path | None] = contextvars.ContextVar("toml_path", default=None)
_environ: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "environ", default=None
)


class _MappingEnvSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of ``os.environ`` so that the
    CLI's injectable environment (and tests) decide what the process environment is."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.env_vars = {key.lower(): value for key, value in environ.items()}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderchampSettings(_Section):
    """How to reach Orderchamp's GraphQL API and verify its webhooks."""

    api_url: str = Field(
        "https://api.orderchamp.com/v1/graphql", description="GraphQL endpoint URL."
    )
    token: SecretStr | None = Field(None, description="Private API token (Bearer).")
    webhook_secret: SecretStr | None = Field(
        None, description="Shared secret that signs webhook deliveries (HMAC-SHA256)."
    )
    webhook_secret_previous: SecretStr | None = Field(
        None, description="The webhook secret being retired: deliveries signed with it are "
        "still accepted while it is set (rotation without downtime); remove it afterwards."
    )
    account_id: str | None = Field(
        None, description="Expected X-Orderchamp-Account-Id on webhooks; unset accepts any."
    )
    connect_timeout: float = Field(5.0, gt=0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(30.0, gt=0, description="Seconds to wait for an answer.")
    bucket_size: int = Field(1000, gt=0, description="Rate-limit bucket capacity in points.")
    restore_rate: float = Field(50.0, gt=0, description="Rate-limit restore rate, points/s.")
    budget_share: float = Field(
        1.0, gt=0, le=1, description="Share of the token's rate-limit budget this process may "
        "use: 1/N for each of N daemon replicas sharing one token (0.5 for two).")
    max_query_cost: int = Field(2000, gt=0, description="Largest cost one query may request.")
    max_attempts: int = Field(5, ge=1, description="Attempts per request for transient errors.")

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("token", "webhook_secret", "webhook_secret_previous")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty secret is never meant: it would be sent to the API (token) or make every
        # webhook fail verification (webhook_secret). Leave the key out when it is not used.
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty; set it or leave the key out")
        return value

    @field_validator("webhook_secret_previous")
    @classmethod
    def _previous_needs_current(cls, value: SecretStr | None,
                                info: ValidationInfo) -> SecretStr | None:
        if value is not None and info.data.get("webhook_secret") is None:
            raise ValueError("is the secret being retired: set orderchamp.webhook_secret (the "
                             "new one) as well")
        return value

    def webhook_secrets(self) -> list[str]:
        """The secrets a webhook delivery may be signed with: the current one first, then the
        one being retired (empty when webhooks are not configured)."""
        return [s.get_secret_value() for s in (self.webhook_secret, self.webhook_secret_previous)
                if s is not None]


class StoreSettings(_Section):
    """Where the ledger lives."""

    url: str = Field(
        "sqlite:///oc-bridge.sqlite3",
        description="sqlite:///relative.db, sqlite:////abs/path.db or "
        "postgresql://user:password@host:5432/dbname (run `oc-bridge db upgrade` first)",
    )

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


class RoutingRule(_Section):
    """Send matching orders to one adapter instance. The first matching rule wins."""

    adapter: str = Field(description="Adapter instance name (the [adapters.<name>] table).")
    countries: list[str] | None = Field(
        None, description="ISO-2 ship-to countries this rule matches; unset matches any."
    )
    sku_prefixes: list[str] | None = Field(
        None, description="Matches when any line's SKU starts with one of these."
    )


class CarrierMapping(_Section):
    """One ``[sync.carriers.<code>]`` table: what Orderchamp is told for an adapter's carrier
    code."""

    name: str = Field(min_length=1, description="Carrier name sent to Orderchamp.")
    tracking_url: str | None = Field(
        None, description="Tracking-URL template, e.g. https://t.example/{tracking}; used when "
        "the adapter gives no tracking URL.")

    @field_validator("tracking_url")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        rest = value.replace("{tracking}", "")
        if "{tracking}" not in value or "{" in rest or "}" in rest:
            raise ValueError("must contain {tracking} and no other {...} placeholder")
        return value


def _shipment_method(value: str | None) -> str | None:
    return None if value is None else normalise_shipment_method(value)


class SyncSettings(_Section):
    """The reconciliation engine."""

    overlap_seconds: int = Field(
        300, ge=0, description="Re-read orders updated this long before the saved cursor."
    )
    default_transit_days: int = Field(
        3, ge=1, description="Estimated transit days when a shipment does not say."
    )
    shipment_method: str = Field(
        "SHIP_YOURSELF", description="Shipment method reported to Orderchamp when neither the "
        "adapter's shipment nor its instance says: SHIP_YOURSELF or ORDERCHAMP."
    )
    max_attempts: int = Field(
        5, ge=1, description="Attempts for a transiently failing item before it is parked."
    )
    reconcile_interval: int = Field(
        600, ge=1, description="Daemon: seconds between scheduled reconciliations."
    )
    shipments_interval: int = Field(
        120, ge=1, description="Daemon: seconds between shipment pulls from adapters."
    )
    auto_confirm: Literal["never", "when-in-stock"] = Field(
        "never", description="Confirm orders awaiting confirmation when the routed adapter "
        "reports enough stock for every line (when-in-stock), or never."
    )
    stock_interval: int = Field(
        900, ge=1, description="Daemon: seconds between stock pushes to Orderchamp."
    )
    delivery_notify_customer: bool = Field(
        True, description="E-mail the retailer when an adapter's delivery date is pushed."
    )
    claim_seconds: int = Field(
        600, ge=10, description="Lease of a claim on a step or job: after a process died "
        "elsewhere (another host), its unfinished work is taken over after this long."
    )
    job_lock_seconds: int = Field(
        60, ge=10, description="Lease of a job lock (reconcile, a shipment pull, the stock "
        "push), renewed every third of it while the job runs: when the process running a job "
        "dies on another host, another replica takes the job over after this long."
    )
    routing: list[RoutingRule] = Field(
        default_factory=list,
        description="Routing rules; empty sends every order to every enabled adapter.",
    )
    on_change_after_export: Literal["park", "update", "cancel-and-reexport"] = Field(
        "park", description="What an edit of an order already exported does: park it for a "
        "human (park), send the new revision to adapters that can update orders (update), or "
        "cancel it at adapters that can cancel and export it again once the cancellation is "
        "accepted (cancel-and-reexport; a rejected cancellation parks). Adapters that cannot "
        "do what is asked park the change."
    )

    @field_validator("shipment_method")
    @classmethod
    def _method(cls, value: str) -> str:
        return normalise_shipment_method(value)

    @field_validator("sku_map")
    @classmethod
    def _no_blank_skus(cls, value: dict[str, str]) -> dict[str, str]:
        blank = [k for k, v in value.items() if not k.strip() or not v.strip()]
        if blank:
            raise ValueError(f"blank SKU in {', '.join(repr(k) for k in blank)}")
        return {k.strip(): v.strip() for k, v in value.items()}
    hold_minutes: float = Field(
        0, ge=0, description="Export a confirmed order only once it has been confirmed this "
        "many minutes (Orderchamp's confirmedAt), so a quick change or cancellation never "
        "reaches the warehouse; 0 exports at once."
    )
    sku_map: dict[str, str] = Field(
        default_factory=dict, description="Orderchamp SKU -> warehouse SKU, for every adapter "
        "(reversed for shipments and stock); adds to sku_map_file.")
    sku_map_file: str | None = Field(
        None, description="CSV file with the header orderchamp_sku,warehouse_sku (relative to "
        "the working directory).")
    require_sku_map: bool = Field(
        False, description="Park an order with a SKU the SKU map does not know instead of "
        "sending it as it is.")
    carriers: dict[str, CarrierMapping] = Field(
        default_factory=dict, description="Adapter carrier code -> carrier name and "
        "tracking-URL template sent to Orderchamp.")
    require_carrier_map: bool = Field(
        False, description="Park a shipment whose carrier is not in sync.carriers instead of "
        "sending the carrier as given.")
    hold_check_seconds: int = Field(
        60, ge=1, description="Daemon: seconds between looks for held-back orders that are "
        "due (hold_minutes over, or released from a manual hold)."
    )


class DaemonSettings(_Section):
    """The long-running daemon (`oc-bridge run`)."""

    host: str = Field("127.0.0.1", description="Address the webhook receiver listens on.")
    port: int = Field(8080, ge=0, le=65535, description="Port the webhook receiver listens on.")
    threads: int = Field(8, ge=1, description="HTTP server threads (waitress).")
    workers: int = Field(
        1, ge=1, description="Inbox worker threads: orders processed in parallel by this "
        "process (one order by one worker at a time; calls into one adapter instance are "
        "serialised unless it declares itself thread-safe).")
    retry_after_seconds: int = Field(
        5, ge=1, description="Retry-After of a 503 answered while the store is unavailable.")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest accepted request body; larger ones get 413."
    )
    lease_seconds: int = Field(
        60, ge=1, description="How long a worker holds inbox items before others may retake them."
    )
    ready_max_age: int = Field(
        1800, ge=1,
        description="/readyz fails when the last successful reconciliation is older (seconds).",
    )
    shutdown_timeout: float = Field(
        20.0, gt=0, description="Seconds to finish in-flight work after SIGTERM/SIGINT."
    )
    jitter_seconds: float = Field(
        5.0, ge=0, description="Random delay added to each scheduled run (spreads the load)."
    )
    inbox_keep_days: float = Field(
        7.0, gt=0, description="Processed inbox items are kept this many days."
    )


class ConsoleSettings(_Section):
    """The operator console the daemon serves under ``/console/`` (see docs/console.md)."""

    enabled: bool = Field(False, description="Serve the operator console under /console/.")
    user: str = Field("admin", min_length=1, description="User name that logs in with the "
                      "password (recorded as console:<user> in the activity log).")
    password_hash: SecretStr | None = Field(
        None, description="scrypt hash of the console password, as printed by "
        "`oc-bridge console set-password`; unset disables password log-in.")
    trusted_header: str | None = Field(
        None, description="Header a reverse proxy sets to the signed-in user (SSO), e.g. "
        "X-Forwarded-User; honoured only from console.trusted_proxies.")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses or networks (CIDR) of the reverse "
        "proxies whose trusted_header is believed.")
    session_secret: SecretStr | None = Field(
        None, description="Key that signs session cookies; unset: one is generated and kept "
        "in the ledger (shared by every daemon on that ledger).")
    session_minutes: int = Field(480, ge=1, description="A session expires this many minutes "
                                 "after log-in.")
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure (set true when the console is reached over "
        "HTTPS, e.g. behind a TLS-terminating proxy).")
    login_attempts: int = Field(5, ge=1, description="Failed log-ins allowed per client "
                                "address within login_window seconds.")
    login_attempts_global: int = Field(50, ge=1, description="Failed log-ins allowed from "
                                       "all clients together within login_window seconds.")
    login_window: int = Field(300, ge=1, description="Seconds over which failed log-ins count.")
    chart_days: int = Field(3, ge=1, le=31, description="Days the overview's hourly charts "
                            "cover.")

    @field_validator("password_hash")
    @classmethod
    def _known_hash(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("scrypt$"):
            raise ValueError("must be a hash printed by `oc-bridge console set-password`")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)  # ValueError names the bad address
        return value


#: Every alert kind (oc_bridge.alerts.AlertKind); ``alerts.kinds`` picks from these.
ALERT_KINDS = ("stuck_inbox", "stuck_export", "stuck_shipment", "not_exported", "not_shipped",
               "parked", "lost_webhook")


class AlertWebhookSettings(_Section):
    """Alerts POSTed as JSON to an HTTP endpoint (a chat bridge, an incident tool)."""

    url: str | None = Field(None, description="Endpoint alerts are POSTed to; unset: no webhook.")
    secret: SecretStr | None = Field(
        None, description="Signs each body: X-OC-Bridge-Signature = hex HMAC-SHA256 of it.")
    timeout: float = Field(10.0, gt=0, description="Seconds to wait for the endpoint.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


class AlertEmailSettings(_Section):
    """Alerts sent as e-mail over SMTP."""

    host: str | None = Field(None, description="SMTP server; unset: no e-mail.")
    port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL).")
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls, ssl (implicit TLS) or none (trusted relay only).")
    username: str | None = Field(None, description="SMTP login; unset sends without login.")
    password: SecretStr | None = Field(None, description="SMTP password.")
    from_addr: str = Field("oc-bridge@localhost", description="The From address.")
    to: list[str] = Field(default_factory=list, description="Recipients.")
    subject_prefix: str = Field("[oc-bridge]", description="Put before every subject.")
    ca_file: str | None = Field(
        None, description="CA bundle to verify the server's certificate; unset: system CAs.")
    timeout: float = Field(10.0, gt=0, description="Seconds to wait for the SMTP server.")

    @model_validator(mode="after")
    def _recipients(self) -> AlertEmailSettings:
        if self.host is not None and not self.to:
            raise ValueError("alerts.email.host is set but alerts.email.to names no recipient")
        if self.password is not None and self.username is None:
            raise ValueError("alerts.email.password is set without alerts.email.username")
        return self


class AlertSettings(_Section):
    """Stuck-item detection and where alerts go (logs and metrics always)."""

    enabled: bool = Field(True, description="Daemon: run the alert check on a schedule.")
    check_interval: int = Field(300, ge=1, description="Daemon: seconds between alert checks.")
    stuck_after: int = Field(
        1800, ge=0, description="An item in flight or retrying longer than this is stuck (s).")
    export_within: int = Field(
        3600, ge=0, description="A confirmed order not exported after this long is stuck (s).")
    ship_within: int = Field(
        259200, ge=0, description="An exported order with no shipment after this long (s).")
    lost_webhook_grace: int = Field(
        120, ge=0, description="Reconciliation judges an order change only once it is this "
        "old (s), and a webhook received up to this long before it counts (clock skew).")
    dedupe_window: int = Field(
        21600, ge=0, description="The same alert is not sent again on a channel within (s).")
    max_per_hour: int = Field(
        20, ge=1, description="Messages per channel per hour; further alerts wait.")
    max_items: int = Field(20, ge=1, description="Alerts listed in one message; rest counted.")
    kinds: list[str] = Field(
        default_factory=lambda: list(ALERT_KINDS), description="Alert kinds that alert.")
    webhook: AlertWebhookSettings = Field(default_factory=AlertWebhookSettings)
    email: AlertEmailSettings = Field(default_factory=AlertEmailSettings)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [kind for kind in value if kind not in ALERT_KINDS]
        if unknown:
            raise ValueError(f"unknown alert kind(s) {', '.join(unknown)}; known: "
                             f"{', '.join(ALERT_KINDS)}")
        return value


class LoggingSettings(_Section):
    """Log output of the CLI and daemon."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    format: Literal["text", "json"] = Field("text", description="text or json (one object a line).")


class AdapterSection(BaseModel):
    """One ``[adapters.<instance>]`` table. Only ``type`` and ``enabled`` are known here; the
    rest is validated by the adapter's own strict config model."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str | None = Field(None, description="Adapter type; defaults to the table name.")
    enabled: bool = Field(True, description="Whether the engine uses this instance.")
    shipment_method: str | None = Field(
        None, description="Shipment method for this instance's shipments that do not say "
        "(SHIP_YOURSELF or ORDERCHAMP); unset: sync.shipment_method.")

    @field_validator("shipment_method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        return _shipment_method(value)

    def options(self) -> dict[str, Any]:
        """The adapter-specific keys (everything except ``type``, ``enabled`` and
        ``shipment_method``)."""
        return dict(self.model_extra or {})


class AccountSettings(_Section):
    """One ``[accounts.<name>]`` table: an Orderchamp account served by this deployment, with
    its own credentials, ledger and adapter instances. Keys left out here are taken from
    ``[orderchamp]`` (api_url, timeouts, rate limits), which then holds the shared defaults."""

    account_id: str = Field(
        min_length=1, description="The account's global id; webhooks are routed by their "
        "X-Orderchamp-Account-Id header to the account with this id.")
    token: SecretStr | None = Field(None, description="This account's private API token.")
    webhook_secret: SecretStr | None = Field(
        None, description="This account's webhook signing secret (HMAC-SHA256).")
    webhook_secret_previous: SecretStr | None = Field(
        None, description="This account's webhook secret being retired, accepted while set.")
    api_url: str | None = Field(None, description="GraphQL endpoint; default orderchamp.api_url.")
    bucket_size: int | None = Field(
        None, gt=0, description="Rate-limit bucket in points; default orderchamp.bucket_size.")
    restore_rate: float | None = Field(
        None, gt=0, description="Restore rate, points/s; default orderchamp.restore_rate.")
    max_attempts: int | None = Field(
        None, ge=1, description="Attempts per request; default orderchamp.max_attempts.")
    store_url: str | None = Field(
        None, description="This account's ledger; default derived from store.url "
        "(sqlite:///ledger.db gives sqlite:///ledger.<name>.db).")
    adapters: list[str] = Field(
        default_factory=list, description="The adapter instances this account's orders go to "
        "(each instance serves one account).")
    routing: list[RoutingRule] = Field(
        default_factory=list, description="Routing rules among this account's adapters; "
        "empty sends every order to every one of them.")

    # The same rules as the [orderchamp] and [store] keys these stand in for.
    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return value if value is None else OrderchampSettings._http_url(value)

    @field_validator("token", "webhook_secret", "webhook_secret_previous")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        return OrderchampSettings._not_blank(value)

    @field_validator("webhook_secret_previous")
    @classmethod
    def _previous_needs_current(cls, value: SecretStr | None,
                                info: ValidationInfo) -> SecretStr | None:
        if value is not None and info.data.get("webhook_secret") is None:
            raise ValueError("is the secret being retired: set webhook_secret (the new one) "
                             "in the same table as well")
        return value

    @field_validator("store_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        return value if value is None else StoreSettings._known_scheme(value)


class Settings(BaseSettings):
    """The effective configuration. Frozen: build a new one to change anything."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
        case_sensitive=False,
    )

    orderchamp: OrderchampSettings = Field(default_factory=OrderchampSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    adapters: dict[str, AdapterSection] = Field(
        default_factory=dict, description="Fulfilment adapter instances."
    )
    accounts: dict[str, AccountSettings] = Field(
        default_factory=dict, description="Several Orderchamp accounts (see oc_bridge.accounts); "
        "empty means the one account of [orderchamp]."
    )
    #: The account these settings were narrowed to (``oc_bridge.accounts.account_settings``).
    _account: str | None = PrivateAttr(None)

    @property
    def account(self) -> str | None:
        """The ``[accounts.<name>]`` these settings serve, or None for the whole deployment
        (and for the single ``[orderchamp]`` account)."""
        return self._account

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _environ.get()
        if environ is not None:
            env_settings = _MappingEnvSource(settings_cls, environ)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _toml_path.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def adapter_type(self, instance: str) -> str:
        """The adapter type of an instance: its ``type`` key, else the table name."""
        return self.adapters[instance].type or instance


def config_path_from(explicit: str | os.PathLike[str] | None,
                     environ: Mapping[str, str]) -> Path | None:
    """Which TOML file to read: explicit, else ``$OC_BRIDGE_CONFIG``, else ./settings.toml."""
    if explicit:
        return Path(explicit)
    if environ.get(f"{ENV_PREFIX}CONFIG"):
        return Path(environ[f"{ENV_PREFIX}CONFIG"])
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def parse_override(text: str) -> dict[str, Any]:
    """Turn ``section.key=value`` into a nested dict; the value is parsed as a TOML value when
    it can be (numbers, booleans, arrays, quoted strings), else taken as a plain string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise SettingsError([SettingProblem(text, "override must look like section.key=value")])
    try:
        value: Any = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    nested: dict[str, Any] = {}
    cursor = nested
    parts = [p.strip() for p in key.split(".")]
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return nested


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _problems(exc: ValidationError) -> list[SettingProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        else:
            message = error["msg"]
            if error["type"] not in ("missing",) and "input" in error:
                shown = error["input"]
                if isinstance(shown, SecretStr) or "token" in key or "secret" in key \
                        or "password" in key:
                    shown = "***"
                message += f" (got {shown!r})"
        problems.append(SettingProblem(key, message))
    return problems


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    cross_checks: bool = True,
) -> Settings:
    """Load the effective settings or raise :class:`SettingsError` listing every problem.

    ``config_path`` is the explicit ``--config`` (may be None). ``overrides`` is a nested dict
    from the command line; it wins over everything else. ``environ`` stands in for the process
    environment (default ``os.environ``), both for ``OC_BRIDGE_CONFIG`` and for the settings.
    ``cross_checks=False`` leaves out :func:`cross_problems` (``config check`` lists them
    together with the problems it finds beyond the model).
    """
    env = os.environ if environ is None else environ
    path = config_path_from(config_path, env)
    source = str(path) if path else None
    if path is not None:
        if not path.is_file():
            raise SettingsError([SettingProblem("--config", f"file not found: {path}")])
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(
                [SettingProblem("(file)", f"not valid TOML: {exc}")], source=source
            ) from exc
    path_token = _toml_path.set(path)
    env_token = _environ.set(env)
    try:
        settings = Settings(**dict(overrides or {}))
    except ValidationError as exc:
        raise SettingsError(_problems(exc), source=source) from exc
    finally:
        _toml_path.reset(path_token)
        _environ.reset(env_token)
    problems = cross_problems(settings) if cross_checks else []
    if problems:
        raise SettingsError(problems, source=source)
    return settings


def cross_problems(settings: Settings) -> list[SettingProblem]:
    """Problems between sections that each validate on their own: a routing rule naming an
    adapter instance that has no ``[adapters.<name>]`` table; a SKU mapping file that cannot
    be read (named with file and line). A disabled instance is allowed:
    the orders its rule matches are parked as unrouted until it is enabled."""
    from oc_bridge.accounts import account_problems
    from oc_bridge.sku_map import sku_map_problems

    known = sorted(settings.adapters)
    problems = [SettingProblem(f"sync.routing.{index}.adapter",
                               f"no adapter instance {rule.adapter!r} "
                               f"(configured: {', '.join(known) if known else 'none'})")
                for index, rule in enumerate(settings.sync.routing)
                if rule.adapter not in settings.adapters]
    sync = settings.sync
    return problems + account_problems(settings) + sku_map_problems(
        sync.sku_map, sync.sku_map_file, required=sync.require_sku_map)


def merge_overrides(items: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Combine several nested override dicts; later ones win."""
    merged: dict[str, Any] = {}
    for item in items:
        merged = _deep_merge(merged, item)
    return merged
