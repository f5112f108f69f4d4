"""The strict configuration model of one ``[adapters.<instance>]`` table of type shipstation."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from oc_bridge.adapter import AdapterConfig

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_BASE_URL_V2", "ShipStationConfig"]

DEFAULT_BASE_URL = "https://ssapi.shipstation.com"
DEFAULT_BASE_URL_V2 = "https://api.shipstation.com/v2"


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


class ShipStationConfig(AdapterConfig):
    """Settings of a ShipStation adapter instance (V1 API; V2 only for stock levels).

    Unknown keys are rejected; the credentials are ``SecretStr`` and never printed.
    """

    api_key: SecretStr = Field(description="V1 API key (HTTP Basic user).")
    api_secret: SecretStr = Field(description="V1 API secret (HTTP Basic password).")
    base_url: str = Field(DEFAULT_BASE_URL, description="V1 API root.")
    store_id: int | None = Field(
        None, description="ShipStation store the orders go into (see `shipstation stores`)."
    )
    timezone: str = Field(
        "America/Los_Angeles",
        description="Zone of V1 date-times, which carry no offset (US Pacific in practice).",
    )
    poll_overlap_minutes: int = Field(
        30, ge=0, description="Re-read shipments created this long before the saved cursor."
    )
    initial_lookback_days: int = Field(
        30, ge=1, description="Without a cursor (first pull), read shipments this far back."
    )
    page_size: int = Field(500, ge=1, le=500, description="Page size of shipment polls.")
    batch_size: int = Field(100, ge=1, le=100, description="Orders per createorders call.")
    requests_per_minute: int = Field(
        40, ge=1, description="Client-side ceiling of V1 calls per minute (the key's budget)."
    )
    rate_limit_reserve: int = Field(
        2,
        ge=0,
        description="Wait for the window reset once X-Rate-Limit-Remaining is this low.",
    )
    api_key_v2: SecretStr | None = Field(
        None, description="V2 API key; enables stock levels from GET /v2/inventory."
    )
    base_url_v2: str = Field(DEFAULT_BASE_URL_V2, description="V2 API root.")
    webhook_token: SecretStr | None = Field(
        None, description="Secret path token of the daemon's webhook route "
        "(/webhooks/shipstation/<instance>/<token>); unset disables the route."
    )
    default_transit_days: int | None = Field(
        None, ge=1, description="Estimated transit days put on reported shipments."
    )
    connect_timeout: float = Field(5.0, gt=0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(60.0, gt=0, description="Seconds to wait for an answer.")
    max_attempts: int = Field(5, ge=1, description="Attempts per call for transient errors.")

    @field_validator("base_url", "base_url_v2")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The configured zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)
