"""Jinja2 templates of the REST warehouse adapter: one sandboxed environment, strict undefined.

Templates render request paths, query values, header values and JSON bodies. They see the
canonical order as plain data (``order``: a dict with money as strings and dates as ISO text,
plus ``street_line`` and ``contact_name`` on both addresses) and, depending on the request,
``external_id``, ``reason`` and ``cursor``. Every template is parsed and test-rendered with
:func:`sample_order` when the configuration loads, so a typo is a configuration error with its
key path, never a surprise when the first order arrives.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from oc_bridge.canonical import FulfilmentAddress, FulfilmentLine, FulfilmentOrder

__all__ = [
    "ORDER_REQUEST",
    "POLL_REQUEST",
    "RECORD_REQUEST",
    "TemplateProblem",
    "check_syntax",
    "order_data",
    "render",
    "render_json",
    "sample_context",
    "sample_order",
]


class TemplateProblem(ValueError):
    """A template failed to parse or render; the message says why (no order data in it)."""


def _tojson(value: Any) -> str:
    """JSON text of ``value``: unlike Jinja's built-in filter no HTML escaping, since these
    templates produce JSON for machines, not HTML."""
    return json.dumps(value, ensure_ascii=False, default=str)


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    env.filters["tojson"] = _tojson
    env.policies["json.dumps_function"] = json.dumps
    return env


@lru_cache(maxsize=512)
def _compile(source: str) -> Any:
    return _environment().from_string(source)


def check_syntax(source: str) -> str:
    """Return ``source`` when it parses as a template, else raise :class:`TemplateProblem`."""
    try:
        _compile(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise TemplateProblem(f"template syntax error{where}: {exc}") from exc
    return source


def render(source: str, context: dict[str, Any]) -> str:
    """Render ``source`` with ``context``; :class:`TemplateProblem` on any template error
    (undefined variable, sandbox violation, error in a filter)."""
    try:
        return str(_compile(source).render(**context))
    except TemplateError as exc:
        raise TemplateProblem(f"template error: {exc}") from exc
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}") from exc


def render_json(source: str, context: dict[str, Any]) -> Any:
    """Render ``source`` and parse the result as JSON; :class:`TemplateProblem` when it is
    not valid JSON (with the position, never the rendered text, which holds personal data)."""
    text = render(source, context)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateProblem(
            f"template output is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno} (use the tojson filter for values: {{{{ order.notes | tojson }}}})"
        ) from exc


def _address(address: FulfilmentAddress) -> dict[str, Any]:
    data = address.model_dump(mode="json")
    data["street_line"] = address.street_line
    data["contact_name"] = address.contact_name
    return data


def order_data(order: FulfilmentOrder) -> dict[str, Any]:
    """The order as templates and field maps see it: JSON-ready values, money as strings."""
    data: dict[str, Any] = order.model_dump(mode="json")
    data["ship_to"] = _address(order.ship_to)
    data["bill_to"] = _address(order.bill_to)
    return data


def sample_order() -> FulfilmentOrder:
    """A fully filled order for load-time test renders. The notes contain double quotes and a
    line break on purpose: a body template that pastes text without ``tojson`` fails at load
    instead of with the first real order that has quotes in it."""
    address = FulfilmentAddress(
        company="Winkel De Zon B.V.", first_name="Anna", last_name="de Vries",
        street="Keizersgracht", house_number="12", house_number_addition="A",
        address_line2="2e etage", postal_code="1015 CS", city="Amsterdam", region="NH",
        country="NL", phone="+31201234567", email="inkoop@dezon.example",
    )
    lines = (
        FulfilmentLine(line_ref="OrderProduct:1", sku="MUG-RED", barcode="8712345678906",
                       name="Mug red", quantity=6, unit_price=Decimal("4.50"), currency="EUR"),
        FulfilmentLine(line_ref="OrderProduct:2", sku="PLATE-L", name="Plate large",
                       quantity=2, unit_price=Decimal("12.00"), currency="EUR"),
    )
    return FulfilmentOrder(
        reference="T3JkZXI6MTIz", number="OC-1001", revision=1,
        order_date=datetime(2026, 11, 27, 10, 15, tzinfo=UTC),
        retailer_reference="PO-77", notes='Deliver at the "back door"\nbefore noon',
        requested_delivery_date=date(2026, 12, 1), shipping_method="standard",
        currency="EUR", total_price=Decimal("51.00"), email="inkoop@dezon.example",
        phone="+31201234567", vat_number="NL123456789B01", ship_to=address, bill_to=address,
        lines=lines,
    )


#: Which variables a template may use, by the kind of request it belongs to.
ORDER_REQUEST = "order"
POLL_REQUEST = "poll"
RECORD_REQUEST = "record"


class _SampleRecord(dict[str, Any]):
    """A stand-in warehouse record for load-time renders: any field exists (the real field
    names are the warehouse's, unknown here); the value is a number-like text."""

    def __missing__(self, key: str) -> Any:
        return "1"


def sample_context(kind: str = ORDER_REQUEST) -> dict[str, Any]:
    """The variables a template of ``kind`` sees, with sample values (for load-time checks).

    Order requests (create, look-up, after-create, update, cancel) see ``order``,
    ``external_id`` (None before the warehouse gave one) and ``reason`` (cancel only);
    polls (shipments, stock) see ``cursor`` (None on the first poll); a follow-up request of
    one shipment record (``lines.request``) sees ``record`` (the record as the warehouse sent
    it, its parent as ``record._parent`` with ``sub_records``). All see ``instance``.
    """
    if kind == RECORD_REQUEST:
        return {"record": _SampleRecord(_parent=_SampleRecord()), "instance": "sample"}
    if kind == POLL_REQUEST:
        return {"cursor": "2026-11-27T10:15:00Z", "instance": "sample"}
    return {
        "order": order_data(sample_order()),
        "external_id": "1001",
        "reason": "cancelled by the retailer",
        "instance": "sample",
    }
