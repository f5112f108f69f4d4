"""Test helpers: a scripted Orderchamp GraphQL endpoint on ``responses``, a fake clock, orders."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
import responses

API_URL = "https://api.orderchamp.test/v1/graphql"
TOKEN = "tok_live_5ecr3t-T0ken-value"

Answer = dict[str, Any] | tuple[int, dict[str, str], str] | Exception
Handler = Callable[[dict[str, Any]], Answer]


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeOrderchamp:
    """Answers by operation name: a handler, or a queue of canned answers used first.

    An answer is a JSON body (dict), ``(status, headers, text)``, or an exception to raise.
    """

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.calls: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.handlers: dict[str, Handler] = {}
        self.queued: dict[str, list[Answer]] = {}
        mock.add_callback(responses.POST, API_URL, callback=self._answer)

    def on(self, operation: str, handler: Handler) -> None:
        self.handlers[operation] = handler

    def queue(self, operation: str, *answers: Answer) -> None:
        self.queued.setdefault(operation, []).extend(answers)

    def names(self) -> list[str]:
        return [call["operationName"] for call in self.calls]

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or b"{}")
        self.calls.append(body)
        self.headers.append(dict(request.headers))
        name = body["operationName"]
        queued = self.queued.get(name)
        answer: Answer
        if queued:
            answer = queued.pop(0)
        elif name in self.handlers:
            answer = self.handlers[name](body.get("variables") or {})
        else:
            raise AssertionError(f"unexpected operation {name}")
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, tuple):
            return answer
        return 200, {"Content-Type": "application/json", "X-Request-Id": "req-1"}, json.dumps(
            answer
        )


# --- sample data --------------------------------------------------------------------------------


def line(order: int, index: int) -> dict[str, Any]:
    return {
        "id": f"OrderProduct:{order}-{index}",
        "sku": f"SKU-{index}",
        "title": f"Item {index}",
        "quantity": 2,
        "unshippedQuantity": 2,
        "unitPrice": "4.50",
        "subtotalPrice": "9.00",
        "taxPrice": "1.89",
        "totalPrice": "10.89",
    }


def order_node(number: int, line_count: int = 2) -> dict[str, Any]:
    return {
        "id": f"Order:{number}",
        "number": f"OC-{number:05d}",
        "status": "AWAITING_FULFILMENT",
        "createdAt": "2024-03-01T10:00:00+01:00",
        "updatedAt": "2024-03-02T10:00:00Z",
        "isConfirmed": True,
        "isCancelled": False,
        "isFulfilled": False,
        "companyName": "Winkel de Boer",
        "currency": "EUR",
        "totalPrice": "21.78",
        "productsCount": line_count,
        "shippingAddress": {"street": "Damrak", "houseNumber": "1A", "country": "NL"},
    }


def page(items: list[Any], first: int, after: str | None) -> tuple[list[Any], dict[str, Any]]:
    """Cursor ``after`` is the index of the last item already returned."""
    start = int(after) + 1 if after is not None else 0
    chunk = items[start : start + first]
    end = start + len(chunk) - 1
    info = {"hasNextPage": end + 1 < len(items), "endCursor": str(end) if chunk else None}
    return chunk, info


class OrderBook:
    """Orders with lines, served through OrdersPage / OrdersSummaryPage / OrderProductsPage."""

    def __init__(self, line_counts: list[int]) -> None:
        self.orders = [(order_node(i + 1, n), [line(i + 1, j) for j in range(n)])
                       for i, n in enumerate(line_counts)]

    def _lines(self, index: int, first: int, after: str | None) -> dict[str, Any]:
        nodes, info = page(self.orders[index][1], first, after)
        return {"pageInfo": info, "nodes": nodes}

    def orders_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        chosen, info = page(list(range(len(self.orders))), variables["first"],
                            variables.get("after"))
        nodes = []
        for index in chosen:
            node = dict(self.orders[index][0])
            if "productsFirst" in variables:
                node["products"] = self._lines(index, variables["productsFirst"], None)
            nodes.append(node)
        return {"data": {"orders": {"totalCount": len(self.orders), "pageInfo": info,
                                    "nodes": nodes}}}

    def products_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        index = int(variables["id"].split(":")[1]) - 1
        products = self._lines(index, variables["first"], variables.get("after"))
        return {"data": {"order": {"id": variables["id"], "products": products}}}

    def install(self, fake: FakeOrderchamp) -> None:
        fake.on("OrdersPage", self.orders_page)
        fake.on("OrdersSummaryPage", self.orders_page)
        fake.on("OrderProductsPage", self.products_page)
