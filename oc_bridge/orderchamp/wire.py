"""From Orderchamp's JSON answers to :mod:`oc_bridge.models`: shape checks and conversion.

Every function here raises :class:`~oc_bridge.errors.MalformedResponseError` (chained from the
pydantic error where there is one) when the answer does not have the promised shape, so callers
never see ``KeyError``/``TypeError`` from a surprising answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from oc_bridge.errors import MalformedResponseError, UserErrorItem, UserErrorsError
from oc_bridge.models import Invoice, Order, OrderProduct, Shipment, ShipmentProduct

__all__ = [
    "connection_nodes",
    "dig",
    "invoice_from_wire",
    "make",
    "order_from_wire",
    "page_info",
    "raise_user_errors",
    "shipment_from_wire",
]

M = TypeVar("M", bound=BaseModel)


def dig(data: Any, *path: str, allow_null: bool = False) -> Any:
    """``data[path[0]][path[1]]...``; a missing key or a non-object is a malformed answer.

    A null on the way is malformed too, unless ``allow_null``: then the result is None.
    """
    current = data
    for depth, key in enumerate(path):
        if not isinstance(current, Mapping) or key not in current:
            where = ".".join(path[: depth + 1])
            raise MalformedResponseError(f"answer lacks {where}", service="orderchamp")
        current = current[key]
        if current is None and allow_null:
            return None
    if current is None and not allow_null:
        raise MalformedResponseError(f"answer has null {'.'.join(path)}", service="orderchamp")
    return current


def connection_nodes(connection: Any) -> list[dict[str, Any]]:
    """The items of a connection, from ``nodes`` or else ``edges[].node``."""
    if not isinstance(connection, Mapping):
        raise MalformedResponseError("connection is not an object", service="orderchamp")
    nodes = connection.get("nodes")
    if nodes is None and isinstance(connection.get("edges"), list):
        nodes = [edge.get("node") for edge in connection["edges"] if isinstance(edge, Mapping)]
    if not isinstance(nodes, list) or not all(isinstance(n, dict) for n in nodes):
        raise MalformedResponseError("connection has no list of nodes", service="orderchamp")
    return nodes


def page_info(connection: Any) -> tuple[bool, str | None]:
    """``(hasNextPage, endCursor)``; a next page without a cursor is a malformed answer."""
    info = dig(connection, "pageInfo")
    has_next = bool(info.get("hasNextPage")) if isinstance(info, Mapping) else False
    cursor = info.get("endCursor") if isinstance(info, Mapping) else None
    if has_next and not isinstance(cursor, str):
        raise MalformedResponseError("pageInfo has a next page but no endCursor",
                                     service="orderchamp")
    return has_next, cursor if isinstance(cursor, str) else None


def make(model: type[M], data: Any) -> M:
    """Validate ``data`` (camelCase keys) into ``model``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedResponseError(
            f"{model.__name__} in the answer is invalid: {exc.errors()[0].get('msg', exc)}",
            service="orderchamp",
        ) from exc


def order_from_wire(
    node: Mapping[str, Any],
    *,
    lines: Sequence[Mapping[str, Any]] | None = None,
    shipments: Iterable[Shipment] = (),
    invoices: Iterable[Invoice] = (),
) -> Order:
    """An :class:`Order` from its wire object; ``lines`` replaces the nested ``products``."""
    fields = {key: value for key, value in node.items() if key != "products"}
    if lines is not None:
        fields["products"] = [make(OrderProduct, line) for line in lines]
    fields["shipments"] = tuple(shipments)
    fields["invoices"] = tuple(invoices)
    return make(Order, fields)


def shipment_from_wire(
    node: Mapping[str, Any], products: Sequence[Mapping[str, Any]] | None = None
) -> Shipment:
    """A :class:`Shipment` from its wire object; ``products`` are ``{orderProduct quantity}``."""
    fields = {key: value for key, value in node.items() if key != "products"}
    if products is None and isinstance(node.get("products"), Mapping):
        products = connection_nodes(node["products"])
    try:
        fields["products"] = tuple(ShipmentProduct.from_wire(dict(p)) for p in products or ())
    except (KeyError, TypeError, ValidationError) as exc:
        raise MalformedResponseError("shipment line is invalid", service="orderchamp") from exc
    return make(Shipment, fields)


def invoice_from_wire(node: Mapping[str, Any], order_id: str) -> Invoice:
    """An :class:`Invoice` of the order ``order_id``."""
    return make(Invoice, {**node, "orderId": order_id})


def raise_user_errors(mutation: str, payload: Mapping[str, Any]) -> None:
    """Raise :class:`UserErrorsError` when the payload's ``userErrors`` is not empty."""
    errors = payload.get("userErrors") or []
    if not isinstance(errors, list):
        raise MalformedResponseError(f"{mutation}: userErrors is not a list", service="orderchamp")
    items = [
        UserErrorItem(
            field=tuple(str(part) for part in (error.get("field") or ())),
            message=str(error.get("message", "")),
        )
        for error in errors
        if isinstance(error, Mapping)
    ]
    if items:
        raise UserErrorsError(mutation, items, service="orderchamp")
