"""Configuration of what the REST warehouse adapter reads back: shipments (polled or pushed by
webhook), stock levels, and how list endpoints page."""

from __future__ import annotations

import os
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from oc_bridge_rest.config_base import (
    Expression,
    Loc,
    RequestConfig,
    Strict,
    raise_if_any,
)
from oc_bridge_rest.templating import POLL_REQUEST, RECORD_REQUEST

__all__ = [
    "CursorConfig",
    "LinesRequestConfig",
    "PaginationConfig",
    "PollShipmentsConfig",
    "PollStockConfig",
    "ShipmentFields",
    "ShippedLinesMap",
    "WebhookConfig",
]

PagingStyle = Literal["none", "page", "offset", "cursor", "next_url", "link", "header",
                      "since_id"]
_DEFAULT_PARAM = {"page": "page", "offset": "offset", "cursor": "cursor", "header": "page",
                  "since_id": "since_id"}


class PaginationConfig(Strict):
    """How a list endpoint pages. ``style``:

    - ``page``: ``param`` (page number from ``first_page``); stops after ``total_pages`` (an
      expression over the body) or at an empty/short page.
    - ``offset``: ``param`` (offset), plus ``size_param`` = ``size`` when the warehouse takes a
      page size (Picqer does not: its pages hold 100); stops at a page shorter than ``size``.
    - ``cursor``: ``next_token`` (expression over the body) goes into ``param``; stops when null.
    - ``next_url``: ``next_url`` (expression over the body, default ``next``) is the URL of the
      next page (Django REST framework style ``{"next": url, "results": [...]}``); it is
      requested exactly as given (a relative one against the current URL); stops when null.
    - ``link``: follows the ``Link: <url>; rel="next"`` header.
    - ``header``: ``header`` (e.g. ``next-page``) holds the next URL or path, or a token that
      goes into ``param``.
    - ``since_id``: ``param`` carries the largest ``id`` seen so far; stops at an empty page.
    """

    style: PagingStyle = "none"
    param: str | None = None
    size_param: str | None = None
    size: int = Field(100, ge=1)
    first_page: int = Field(1, ge=0)
    total_pages: Expression | None = None
    next_token: Expression | None = None
    next_url: Expression = "next"
    header: str = "next-page"
    id: Expression | None = None
    max_pages: int = Field(1000, ge=1, description="Safety stop for one poll.")

    @model_validator(mode="after")
    def _complete(self) -> PaginationConfig:
        problems: list[tuple[Loc, str]] = []
        if self.style == "cursor" and self.next_token is None:
            problems.append((("next_token",), "required for cursor paging"))
        if self.style == "since_id" and self.id is None:
            problems.append((("id",), "required for since_id paging: the record's id"))
        raise_if_any(problems)
        return self

    @property
    def param_name(self) -> str:
        """The query parameter this style moves (page, offset, cursor, since id)."""
        return self.param or _DEFAULT_PARAM.get(self.style, "page")


class CursorConfig(Strict):
    """Where the saved poll position goes. ``date``: the poll start time minus
    ``overlap_seconds``, formatted with ``format`` (UTC), sent as ``param``; ``id``: the largest
    ``field`` value seen (default: the shipment id), sent as ``param``."""

    type: Literal["date", "id"]
    param: str
    format: str = "%Y-%m-%dT%H:%M:%SZ"
    overlap_seconds: int = Field(300, ge=0)
    field: Expression | None = None


class LinesRequestConfig(RequestConfig):
    """A follow-up request per shipment record whose answer holds the shipment's lines (Picqer:
    the picklist). Its templates see ``record`` (the shipment record) and ``instance``."""

    template_kind: ClassVar[str] = RECORD_REQUEST


class ShippedLinesMap(Strict):
    """Where a shipment's lines are: ``records`` (the list) and per line ``sku`` and/or
    ``line_ref`` and ``quantity``. With ``request``, ``records`` is read from that request's
    answer instead of from the shipment record."""

    request: LinesRequestConfig | None = None
    records: Expression
    sku: Expression | None = None
    line_ref: Expression | None = None
    quantity: Expression = "quantity"

    @model_validator(mode="after")
    def _keyed(self) -> ShippedLinesMap:
        if self.sku is None and self.line_ref is None:
            raise_if_any([(("sku",), "give sku or line_ref (or both)")])
        return self


class ShipmentFields(Strict):
    """Expressions over one shipment record (the parent record of ``sub_records`` is available
    as ``_parent``). The order is identified by ``order_reference`` (our reference), or
    ``order_id`` (the warehouse's order id, translated through the adapter's own map), or
    ``order_number``. Without ``lines`` a shipment covers the whole order as submitted."""

    shipment_id: Expression
    order_reference: Expression | None = None
    order_id: Expression | None = None
    order_number: Expression | None = None
    shipped_at: Expression | None = None
    carrier: Expression | None = None
    service: Expression | None = None
    tracking_number: Expression | None = None
    tracking_url: Expression | None = None
    weight_grams: Expression | None = None
    method: Expression | None = Field(
        None, description="Orderchamp shipment method (SHIP_YOURSELF or ORDERCHAMP); unset: "
        "the instance's shipment_method, else sync.shipment_method.")
    skip: Expression | None = Field(None, description="Truthy: ignore the record (cancelled).")
    unknown_orders: Literal["park", "skip"] = Field(
        "park", description="A shipment of an order this adapter did not submit (another "
        "sales channel's): park it for a human, or skip it.")
    lines: ShippedLinesMap | None = None

    @model_validator(mode="after")
    def _identifies_order(self) -> ShipmentFields:
        if not (self.order_reference or self.order_id or self.order_number):
            raise_if_any([(("order_reference",),
                           "give order_reference, order_id or order_number")])
        return self


class PollShipmentsConfig(RequestConfig):
    """``[poll_shipments]``: the list request, where the records are and how to read them."""

    template_kind: ClassVar[str] = POLL_REQUEST

    records: Expression = "@"
    sub_records: Expression | None = Field(None, description="Shipments inside each record.")
    fields: ShipmentFields
    cursor: CursorConfig | None = None
    pagination: PaginationConfig = Field(default_factory=PaginationConfig)



class PollStockConfig(RequestConfig):
    """``[poll_stock]``: the stock list request and expressions per record."""

    template_kind: ClassVar[str] = POLL_REQUEST

    records: Expression = "@"
    sku: Expression
    available: Expression
    on_hand: Expression | None = None
    reserved: Expression | None = None
    warehouse: Expression | None = None
    pagination: PaginationConfig = Field(default_factory=PaginationConfig)



SignatureScheme = Literal["none", "hmac_sha256_hex", "hmac_sha256_base64", "standard_webhooks"]


class WebhookConfig(Strict):
    """``[webhook]``: how pushed shipment events are verified and read.

    ``signature`` picks the scheme; the HMAC schemes read ``header``; Standard Webhooks reads
    ``webhook-id``/``webhook-timestamp``/``webhook-signature`` and rejects timestamps more than
    ``tolerance_seconds`` off. ``fields`` defaults to ``poll_shipments.fields``.
    """

    enabled: bool = Field(True, description="False: keep the table, refuse deliveries.")
    signature: SignatureScheme = "none"
    header: str | None = None
    secret: SecretStr | None = None
    secret_env: str | None = None
    #: The secret being retired during a rotation: deliveries signed with it still verify
    #: while it is set (see docs/deploy.md, "Rotating ... without downtime").
    secret_previous: SecretStr | None = None
    secret_previous_env: str | None = None
    tolerance_seconds: int = Field(300, ge=1)
    event_id: Expression | None = None
    records: Expression = "@"
    sub_records: Expression | None = None
    fields: ShipmentFields | None = None

    @model_validator(mode="after")
    def _complete(self) -> WebhookConfig:
        problems: list[tuple[Loc, str]] = []
        if self.signature in ("hmac_sha256_hex", "hmac_sha256_base64") and not self.header:
            problems.append((("header",), f"required for {self.signature} signatures"))
        if self.signature != "none" and self.enabled:
            if self.secret is None and self.secret_env is None:
                problems.append((("secret",), "required to verify signatures (or secret_env)"))
            elif self.secret is None and self.secret_env not in os.environ:
                problems.append(
                    (("secret_env",), f"environment variable {self.secret_env} is not set")
                )
        if (self.secret_previous_env is not None and self.secret_previous is None
                and self.enabled and self.secret_previous_env not in os.environ):
            problems.append((("secret_previous_env",),
                             f"environment variable {self.secret_previous_env} is not set"))
        raise_if_any(problems)
        return self

    def secret_values(self) -> list[str]:
        """The secrets a delivery may be signed with: the current one, then the one being
        retired (when set)."""
        previous = (self.secret_previous.get_secret_value() if self.secret_previous is not None
                    else os.environ.get(self.secret_previous_env or "", ""))
        return [v for v in (self.secret_value(), previous) if v]

    def secret_value(self) -> str:
        """The signing secret from the table or its environment variable."""
        if self.secret is not None:
            return self.secret.get_secret_value()
        return os.environ.get(self.secret_env or "", "")
