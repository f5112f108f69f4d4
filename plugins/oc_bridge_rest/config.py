"""The strict configuration model of one ``[adapters.<instance>]`` table with ``type = "rest"``.

Everything is checked when the configuration loads: every template is parsed and test-rendered
with a sample order (bodies must render valid JSON), every JMESPath expression is compiled,
environment variables named by ``*_env`` keys must exist, and requirements between keys are
checked. :func:`parse_rest_config` reports every problem at once with its full key path
(``adapters.picqer.create_order.body_template``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from oc_bridge.adapter import AdapterConfig
from oc_bridge.errors import SettingProblem, SettingsError
from oc_bridge_rest.auth import AuthConfig
from oc_bridge_rest.config_base import (
    Expression,
    KeyedProblems,
    Loc,
    RequestConfig,
    Strict,
    Template,
    error_message,
    raise_if_any,
    upper,
)
from oc_bridge_rest.config_feeds import PollShipmentsConfig, PollStockConfig, WebhookConfig
from oc_bridge_rest.extract import build_body, search
from oc_bridge_rest.profile_loader import ProfileProblem, merge_profile
from oc_bridge_rest.templating import ORDER_REQUEST, render, render_json, sample_context

__all__ = [
    "CancelOrderConfig",
    "CreateOrderConfig",
    "LookupOrderConfig",
    "RateLimitConfig",
    "RestWmsConfig",
    "TimeoutConfig",
    "parse_rest_config",
]


class LookupOrderConfig(RequestConfig):
    """Find an order already in the warehouse by our reference: the request, where the found
    orders are (``records``), each one's warehouse ``id``, and optionally ``match`` (our
    reference in a record) to keep only exact matches of a fuzzy search."""

    records: Expression = "@"
    id: Expression
    match: Expression | None = None


class OrderRequestConfig(RequestConfig):
    """An order request (after-create step, update, cancel); templates see ``order``,
    ``external_id`` and, for a cancel, ``reason``."""


class CancelOrderConfig(OrderRequestConfig):
    """``[cancel_order]``: the cancel request, and how the warehouse says "too late".

    ``accept_statuses`` (inherited) count as accepted (already cancelled or gone).
    ``rejected_statuses`` are HTTP statuses by which the warehouse refuses because the order
    is already picked, packed or shipped; ``rejected_when`` is an expression over a 2xx
    answer's JSON body that is truthy when the warehouse refused anyway (an answer with
    per-shipment results). ``reason`` is an expression for the refusal's text in the body
    (default: the body itself, shortened). A refusal is parked for a human with the reason.
    """

    rejected_statuses: list[Annotated[int, Field(ge=400, le=499)]] = Field(default_factory=list)
    rejected_when: Expression | None = None
    reason: Expression | None = None


class CreateOrderConfig(RequestConfig):
    """``[create_order]``: how an order is created, recognised as a duplicate, and found again.

    A way to recognise a duplicate is required: ``lookup_order``, ``exists_statuses`` or
    ``idempotency_header``. See ``docs/rest-wms.md`` for the idempotency design.
    """

    method: Annotated[Literal["POST", "PUT", "PATCH"], BeforeValidator(upper)] = "POST"
    id_path: Expression = Field(description="Expression for the order id in the response.")
    reference_field: str | None = Field(None, description="Body path holding our reference.")
    idempotency_header: str | None = None
    idempotency_value: Template = "{{ order.reference }}-r{{ order.revision }}"
    exists_statuses: list[int] = Field(default_factory=list)
    lookup_order: LookupOrderConfig | None = None
    search_before_create: bool = False
    lookup_after_timeout: bool | None = Field(
        None, description="Look the order up after an ambiguous failure (default: when "
        "lookup_order is configured)."
    )
    after_create: list[OrderRequestConfig] = Field(default_factory=list)

    @field_validator("idempotency_value")
    @classmethod
    def _key_renders(cls, value: str) -> str:
        render(value, sample_context(ORDER_REQUEST))
        return value

    @model_validator(mode="after")
    def _complete(self) -> CreateOrderConfig:
        problems: list[tuple[Loc, str]] = []
        if not self.has_body:
            problems.append((("body_template",), "give body_template or body_fields"))
        if self.lookup_order is None:
            for key in ("search_before_create", "lookup_after_timeout"):
                if getattr(self, key):
                    problems.append((("lookup_order",), f"required when {key} is true"))
        if not (self.lookup_order or self.exists_statuses or self.idempotency_header):
            problems.append((("exists_statuses",), "give lookup_order, exists_statuses or "
                             "idempotency_header: without one a retry could duplicate orders"))
        bad = [s for s in self.exists_statuses if not 400 <= s <= 499]
        if bad:
            problems.append((("exists_statuses",), f"must be 4xx statuses, got {bad}"))
        if self.reference_field and not problems:
            problems.extend(self._reference_placed())
        raise_if_any(problems)
        return self

    def _reference_placed(self) -> list[tuple[Loc, str]]:
        """The sample order's reference must appear at ``reference_field`` in the body."""
        context = sample_context(ORDER_REQUEST)
        if self.body_template is not None:
            body = render_json(self.body_template, context)
        else:
            body = build_body(self.body_fields or {}, context)
        found = search(".".join(f'"{p}"' for p in (self.reference_field or "").split(".")), body)
        if found != context["order"]["reference"]:
            return [(("reference_field",), f"the rendered body does not hold order.reference at "
                     f"{self.reference_field!r}")]
        return []

    @property
    def look_up_after_timeout(self) -> bool:
        """Whether to look the order up after an ambiguous failure."""
        if self.lookup_after_timeout is None:
            return self.lookup_order is not None
        return self.lookup_after_timeout


class TimeoutConfig(Strict):
    """Seconds to wait for a connection and for an answer."""

    connect: float = Field(5.0, gt=0)
    read: float = Field(30.0, gt=0)


class RateLimitConfig(Strict):
    """Client-side pacing: at most ``requests`` per ``per_seconds`` (sliding window), plus the
    warehouse's headers: when ``remaining_header`` drops to ``reserve`` or below, wait for
    ``reset_header`` (seconds, or an epoch time when ``reset_is = "epoch"``; without it, one
    window). A 429 is retried after the seconds in ``retry_after_header`` (ShipBob:
    ``x-retry-after``; standard ``Retry-After`` is always read too)."""

    requests: int = Field(ge=1)
    per_seconds: float = Field(60.0, gt=0)
    remaining_header: str | None = None
    reset_header: str | None = None
    reset_is: str = Field("seconds", pattern="^(seconds|epoch)$")
    retry_after_header: str = "Retry-After"
    reserve: int = Field(1, ge=0)


class RestWmsConfig(AdapterConfig):
    """Settings of a REST warehouse adapter instance; see ``docs/rest-wms.md``."""

    profile: str | None = Field(None, description="Bundled profile or TOML file of defaults.")
    base_url: str
    auth: AuthConfig | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: TimeoutConfig = Field(default_factory=TimeoutConfig)
    max_attempts: int = Field(5, ge=1)
    rate_limit: RateLimitConfig | None = None
    create_order: CreateOrderConfig
    update_order: OrderRequestConfig | None = None
    cancel_order: CancelOrderConfig | None = None
    poll_shipments: PollShipmentsConfig | None = None
    webhook: WebhookConfig | None = None
    poll_stock: PollStockConfig | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("headers")
    @classmethod
    def _filled_in(cls, value: dict[str, str]) -> dict[str, str]:
        # Profiles list headers the warehouse requires with an empty value to be filled in.
        raise_if_any([((name,), "must not be empty: the warehouse requires this header")
                      for name, text in value.items() if not text.strip()])
        return value

    @model_validator(mode="after")
    def _webhook_fields(self) -> RestWmsConfig:
        if self.webhook and self.webhook.fields is None and self.poll_shipments is None:
            raise_if_any([(("webhook", "fields"),
                           "required when there is no poll_shipments to borrow them from")])
        return self


def _problems(instance: str, exc: ValidationError) -> list[SettingProblem]:
    base = f"adapters.{instance}"
    problems: list[SettingProblem] = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        inner = error.get("ctx", {}).get("error")
        if isinstance(inner, KeyedProblems):
            for sub, message in inner.problems:
                problems.append(SettingProblem(".".join(map(str, (base, *loc, *sub))), message))
            continue
        problems.append(SettingProblem(".".join(map(str, (base, *loc))), error_message(error)))
    return problems


def parse_rest_config(instance: str, options: Mapping[str, Any]) -> RestWmsConfig:
    """Merge the named profile under ``options`` and validate; one :class:`SettingsError`
    listing every problem with its full key path."""
    try:
        merged = merge_profile(options)
    except ProfileProblem as exc:
        raise SettingsError([SettingProblem(f"adapters.{instance}.{exc.key}", str(exc))]) from exc
    try:
        return RestWmsConfig.model_validate(merged)
    except ValidationError as exc:
        raise SettingsError(_problems(instance, exc)) from exc
