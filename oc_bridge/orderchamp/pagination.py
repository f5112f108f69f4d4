"""Paging through Orderchamp connections, with page sizes chosen from the cost rule.

Page sizes are never hard-coded: :func:`fit_page_size` asks the shared cost rule
(:func:`~oc_bridge.orderchamp.cost.requested_cost`) for the largest ``first`` whose requested
cost stays within the budget (the smaller of ``max_query_cost`` and the bucket's capacity, so
every page can actually run). Everything here is lazy: a page is fetched only when the caller
asks for an item beyond the ones already fetched, so memory stays flat for any listing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from oc_bridge.errors import PermanentError, TransientError
from oc_bridge.models import Order, Shipment
from oc_bridge.orderchamp.cost import requested_cost
from oc_bridge.orderchamp.operations import load_operation
from oc_bridge.orderchamp.wire import (
    connection_nodes,
    dig,
    order_from_wire,
    page_info,
    shipment_from_wire,
)

__all__ = [
    "MAX_PAGE",
    "MIN_ORDERS_PER_PAGE",
    "OrderIterator",
    "Run",
    "complete_lines",
    "fetch_shipments",
    "fit_page_size",
    "iter_nodes",
    "order_page_sizes",
]

Run = Callable[[str, Mapping[str, Any]], dict[str, Any]]
"""``run(operation_name, variables) -> data``: the client's ``execute``."""

MAX_PAGE = 100
"""The largest ``first`` ever asked for (the usual Relay cap; Orderchamp's is undocumented)."""
MIN_ORDERS_PER_PAGE = 5
"""A full order listing keeps at least this many orders per page; lines per order adapt."""
MAX_LINES_IN_LISTING = 50


@functools.lru_cache(maxsize=256)
def _fit(name: str, fixed: tuple[tuple[str, Any], ...], key: str, budget: int, upper: int) -> int:
    operation = load_operation(name)
    base = dict(fixed)

    def cost(size: int) -> int:
        return requested_cost(operation.document, {**base, key: size}, name)

    if upper < 1 or cost(1) > budget:
        return 0
    low, high = 1, upper
    while low < high:
        middle = (low + high + 1) // 2
        if cost(middle) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def fit_page_size(
    operation_name: str,
    variables: Mapping[str, Any],
    key: str,
    budget: int,
    *,
    upper: int = MAX_PAGE,
) -> int:
    """The largest ``variables[key]`` in ``[1, upper]`` whose requested cost is ``<= budget``.

    Only page-size variables influence the cost, so pass those (not ids or cursors). Returns 0
    when not even a page of one fits.
    """
    fixed = tuple(sorted((k, v) for k, v in variables.items() if isinstance(v, int)))
    return _fit(operation_name, fixed, key, budget, upper)


def order_page_sizes(budget: int, page_size: int | None = None) -> tuple[int, int]:
    """``(orders per page, lines per order)`` for ``OrdersPage`` within ``budget``.

    Without ``page_size``: as many lines per order as still leave room for
    :data:`MIN_ORDERS_PER_PAGE` orders (at most :data:`MAX_LINES_IN_LISTING`), then as many
    orders as fit. With ``page_size``: that many orders and as many lines as fit.
    """
    if page_size is not None:
        lines = fit_page_size("OrdersPage", {"first": page_size}, "productsFirst", budget,
                              upper=MAX_LINES_IN_LISTING)
        if lines < 1:
            raise PermanentError(f"{page_size} orders per page do not fit in {budget} points")
        return page_size, lines
    for orders in (MIN_ORDERS_PER_PAGE, 1):
        lines = fit_page_size("OrdersPage", {"first": orders}, "productsFirst", budget,
                              upper=MAX_LINES_IN_LISTING)
        if lines >= 1:
            return fit_page_size("OrdersPage", {"productsFirst": lines}, "first", budget), lines
    raise PermanentError(f"not even one order with one line fits in {budget} points")


def _require(size: int, what: str, budget: int) -> int:
    if size < 1:
        raise PermanentError(f"a page of {what} does not fit in {budget} points")
    return size


def iter_nodes(
    run: Run,
    operation_name: str,
    variables: Mapping[str, Any],
    path: tuple[str, ...],
    *,
    budget: int,
    page_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every node of the connection at ``path`` in ``operation_name``'s answer, page by page.

    A null on the way (e.g. an unknown order) yields nothing.
    """
    size = page_size or _require(
        fit_page_size(operation_name, variables, "first", budget), operation_name, budget
    )
    after: str | None = None
    while True:
        data = run(operation_name, {**variables, "first": size, "after": after})
        connection = dig(data, *path, allow_null=True)
        if connection is None:
            return
        nodes = connection_nodes(connection)
        yield from nodes
        has_next, after = page_info(connection)
        if not has_next or not nodes:
            return


def complete_lines(
    run: Run,
    order_id: str,
    connection: Mapping[str, Any] | None,
    *,
    total: int | None,
    budget: int,
    operation: str = "OrderProductsPage",
) -> list[dict[str, Any]]:
    """All lines of an order, given the first ``products`` connection page already fetched
    (None: nothing fetched yet, page from the first line).

    Further pages use ``operation`` (``OrderProductsPage``, or ``OrderLinesPage`` for the lean
    line fields); each asks for no more lines than are left (when the order's
    ``productsCount`` is known), so requested and actual cost stay close.
    """
    lines: list[dict[str, Any]] = []
    has_next, cursor = True, None
    if connection is not None:
        lines = list(connection_nodes(connection))
        has_next, cursor = page_info(connection)
    largest = _require(fit_page_size(operation, {}, "first", budget), "lines", budget)
    while has_next:
        left = (total - len(lines)) if total is not None else 0
        first = min(largest, left) if left > 0 else largest
        data = run(operation, {"id": order_id, "first": first, "after": cursor})
        page_connection = dig(data, "order", "products")
        page = connection_nodes(page_connection)
        lines.extend(page)
        has_next, cursor = page_info(page_connection)
        if not page:
            break
    return lines


def fetch_shipments(run: Run, order_id: str, *, line_count: int, budget: int) -> list[Shipment]:
    """Every shipment of an order with all of its lines.

    Shipment lines are asked for up to the order's line count. A shipment with even more lines
    is continued by selecting it alone (``first: 1, after: <previous shipment's cursor>``) with
    ``productsAfter``: there is no top-level ``shipment`` query to page it directly.
    """
    most_lines = _require(
        fit_page_size("OrderShipments", {"first": 1}, "productsFirst", budget), "shipments", budget
    )
    lines_first = max(1, min(line_count, most_lines))
    per_page = fit_page_size("OrderShipments", {"productsFirst": lines_first}, "first", budget)
    shipments: list[Shipment] = []
    after: str | None = None
    while True:
        data = run("OrderShipments", {"id": order_id, "first": per_page, "after": after,
                                      "productsFirst": lines_first})
        connection = dig(data, "order", "shipments")
        edges = dig(connection, "edges")
        previous = after
        for edge in edges:
            node = dig(edge, "node")
            products_connection = dig(node, "products")
            products = connection_nodes(products_connection)
            more, cursor = page_info(products_connection)
            while more:
                extra = run("OrderShipments", {
                    "id": order_id, "first": 1, "after": previous,
                    "productsFirst": most_lines, "productsAfter": cursor,
                })
                extra_edges = dig(extra, "order", "shipments", "edges")
                if not extra_edges or dig(extra_edges[0], "node", "id") != node.get("id"):
                    raise TransientError(
                        f"shipments of order {order_id} changed while paging; try again",
                        service="orderchamp",
                    )
                page_connection = dig(extra_edges[0], "node", "products")
                page = connection_nodes(page_connection)
                products.extend(page)
                more, cursor = page_info(page_connection)
                if not page:
                    break
            shipments.append(shipment_from_wire(node, products))
            previous = dig(edge, "cursor")
        has_next, after = page_info(connection)
        if not has_next or not edges:
            return shipments


class OrderIterator(Iterator[Order]):
    """Orders, fetched one page at a time as the caller consumes them.

    ``total_count`` is None until the first page arrives, then the server's ``totalCount``.
    With lines, every yielded order holds *all* its lines (further pages are fetched before the
    order is yielded). The last page asks only for the orders still expected, so the final
    request does not reserve points for orders that do not exist.
    """

    def __init__(
        self,
        run: Run,
        variables: Mapping[str, Any],
        *,
        with_lines: bool,
        orders_per_page: int,
        lines_per_order: int,
        budget: int,
    ) -> None:
        self.total_count: int | None = None
        self._run = run
        self._variables = dict(variables)
        self._with_lines = with_lines
        self._orders_per_page = orders_per_page
        self._lines_per_order = lines_per_order
        self._budget = budget
        self._pages = self._generate()

    def __iter__(self) -> OrderIterator:
        return self

    def __next__(self) -> Order:
        return next(self._pages)

    def _generate(self) -> Iterator[Order]:
        operation = "OrdersPage" if self._with_lines else "OrdersSummaryPage"
        after: str | None = None
        seen = 0
        while True:
            first = self._orders_per_page
            if self.total_count is not None and self.total_count - seen > 0:
                first = min(first, self.total_count - seen)
            variables: dict[str, Any] = {**self._variables, "first": first, "after": after}
            if self._with_lines:
                variables["productsFirst"] = self._lines_per_order
            connection = dig(self._run(operation, variables), "orders")
            if self.total_count is None and isinstance(connection.get("totalCount"), int):
                self.total_count = connection["totalCount"]
            nodes = connection_nodes(connection)
            has_next, after = page_info(connection)
            for node in nodes:
                seen += 1
                yield self._order(node)
            if not has_next or not nodes:
                return

    def _order(self, node: dict[str, Any]) -> Order:
        if not self._with_lines:
            return order_from_wire(node)
        total = node.get("productsCount")
        lines = complete_lines(
            self._run, str(node.get("id")), dig(node, "products"),
            total=total if isinstance(total, int) else None, budget=self._budget,
        )
        return order_from_wire(node, lines=lines)
