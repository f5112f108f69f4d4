"""The sandbox and the client read the reference document apart, and must agree.

The sandbox prices queries and signs webhooks with its own code (``oc_bridge.sandbox.cost``,
``oc_bridge.sandbox.signing``), written from orderchamp-api.md §2 and §3 and never from the
client's ``oc_bridge.orderchamp.cost``/``signatures``. These tests put the two side by side
on the reference document's examples and on every operation document the client sends, so a
misreading on either side fails here instead of agreeing with itself.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from graphql import parse
from hypothesis import given, settings
from hypothesis import strategies as st

from oc_bridge.orderchamp import cost as client_cost
from oc_bridge.orderchamp.operations import load_operation, operation_names
from oc_bridge.orderchamp.signatures import verify
from oc_bridge.sandbox import cost as sandbox_cost
from oc_bridge.sandbox.signing import webhook_signature

SANDBOX_DIR = Path(__file__).resolve().parents[2] / "oc_bridge" / "sandbox"
#: The sandbox may use its own package and the project's error tree, nothing of the client.
_ALLOWED = ("oc_bridge.sandbox", "oc_bridge.errors")


def _foreign_imports(path: Path) -> list[str]:
    """Every module ``path`` imports from oc_bridge beyond the sandbox and the error tree."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
            if node.level > 1:  # ``from .. import x`` climbs out of the sandbox package
                names = [f"(relative level {node.level}) {node.module or ''}"]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [
            f"{path.name}:{node.lineno} {name}"
            for name in names
            if (name.startswith("oc_bridge") and not name.startswith(_ALLOWED))
            or name.startswith("(relative")
        ]
    return found


def test_sandbox_source_imports_nothing_from_the_client() -> None:
    offenders = [
        hit for path in sorted(SANDBOX_DIR.rglob("*.py")) for hit in _foreign_imports(path)
    ]
    assert offenders == []


def test_importing_the_sandbox_loads_no_client_module() -> None:
    probe = (
        "import sys, oc_bridge.sandbox, oc_bridge.sandbox.server, oc_bridge.sandbox.admin;"
        "print(sorted(m for m in sys.modules if m.startswith('oc_bridge.orderchamp')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


# -- the cost rule ---------------------------------------------------------------------------

#: orderchamp-api.md §1 smoke test: one object field and four scalars, 1 point each.
SMOKE_TEST = "query { account { id name type slug } }"
#: orderchamp-api.md §2: "50 orders x products(first:100) was rejected, 50 x 30 passed".
FIFTY_BY_HUNDRED = (
    "{ orders(first: 50) { nodes { id products(first: 100) { nodes { id sku } } } } }"
)
FIFTY_BY_THIRTY = "{ orders(first: 50) { nodes { id products(first: 30) { nodes { id sku } } } } }"


def test_both_sides_price_the_smoke_test_at_one_point_per_field() -> None:
    document = parse(SMOKE_TEST)
    assert sandbox_cost.requested_cost(document) == 5
    assert client_cost.requested_cost(document) == 5


@pytest.mark.parametrize("query", [FIFTY_BY_HUNDRED, FIFTY_BY_THIRTY])
def test_both_sides_multiply_connections_alike(query: str) -> None:
    document = parse(query)
    # orders: 1 + 50 x (nodes 1 + id 1 + products (1 + first x (nodes 1 + id 1 + sku 1)))
    first = 100 if "first: 100" in query else 30
    expected = 1 + 50 * (1 + 1 + 1 + first * 3)
    assert sandbox_cost.requested_cost(document) == expected
    assert client_cost.requested_cost(document) == expected


def test_the_wider_example_is_refused_and_priced_alike(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=10, throttle=True)
    answer = graphql_for(sandbox)(FIFTY_BY_HUNDRED)
    assert answer["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert answer["errors"][0]["extensions"]["cost"] == client_cost.requested_cost(
        parse(FIFTY_BY_HUNDRED)
    )


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(operation_names()),
    first=st.integers(min_value=0, max_value=250),
    products_first=st.integers(min_value=0, max_value=250),
)
def test_requested_cost_agrees_on_every_operation(
    name: str, first: int, products_first: int
) -> None:
    operation = load_operation(name)
    variables = {"first": first, "productsFirst": products_first, "id": "T3JkZXI6MQ"}
    assert sandbox_cost.requested_cost(
        operation.document, variables, name
    ) == client_cost.requested_cost(operation.document, variables, name)


class PricedCalls:
    """Sends operations to a sandbox and checks the client's prediction against its charge."""

    def __init__(self, gql: Any) -> None:
        self.gql = gql
        self.sent: set[str] = set()

    def __call__(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        operation = load_operation(name)
        response = self.gql.session.post(
            self.gql.sandbox.url,
            json={"query": operation.source, "variables": variables, "operationName": name},
            timeout=30,
        )
        answer: dict[str, Any] = response.json()
        assert "errors" not in answer, (name, answer["errors"])
        throttle = answer["extensions"]["throttle"]
        document = operation.document
        assert throttle["requestedCost"] == client_cost.requested_cost(document, variables, name)
        assert throttle["actualCost"] == client_cost.actual_cost(
            document, answer["data"], variables, name
        ), name
        self.sent.add(name)
        data: dict[str, Any] = answer["data"]
        return data


def test_client_prediction_matches_the_sandbox_charge_on_every_operation(
    make_sandbox: Any, graphql_for: Any
) -> None:
    """Each operation document runs once against a sandbox with real data and short pages."""
    sandbox = make_sandbox(webhooks_enabled=False)
    call = PricedCalls(graphql_for(sandbox))
    call("Account", {})
    call("OrdersSummaryPage", {"first": 40, "includeUnconfirmed": True})
    call("OrdersPage", {"first": 4, "productsFirst": 3, "includeUnconfirmed": True})
    call("OrdersCount", {"includeUnconfirmed": True, "includeCancelled": True})
    call("OrderChanges", {"first": 40, "sort": "UPDATED_AT_ASC", "includeUnconfirmed": True})
    call("OrderChangesAfter", {"first": 3, "sort": "UPDATED_AT_ASC", "includeUnconfirmed": True})
    waiting = [o.id for o in sandbox.state.orders if o.status == "AWAITING_CONFIRMATION"]
    order_id, other_id = waiting[:2]
    call("OrderConfirm", {"input": {"id": order_id}})
    order = call("Order", {"id": order_id, "productsFirst": 100})["order"]
    call("OrderProductsPage", {"id": order_id, "first": 2})
    call("OrderLean", {"id": order_id, "productsFirst": 2})  # fewer lines than the order has
    call("OrderSize", {"id": order_id})
    call("OrderStatus", {"id": order_id})
    paged = call("OrderLeanPaged", {"id": order_id, "productsFirst": 1})["order"]["products"]
    call("OrderLinesPage", {"id": order_id, "first": 2, "after": paged["pageInfo"]["endCursor"]})
    call("OrderInvoices", {"id": order_id, "first": 5})
    call("OrderMarkAsPaid", {"input": {"id": order_id, "description": "bank transfer"}})
    call(
        "OrderUpdateEstimatedDelivery",
        {"input": {"id": order_id, "estimatedDeliveryAt": "2025-04-01T00:00:00Z"}},
    )
    lines = order["products"]["nodes"]
    created = call(
        "ShipmentCreate",
        {
            "input": {
                "orderId": order_id,
                "method": "SHIP_YOURSELF",
                "products": [
                    {"orderProductId": line["id"], "quantity": line["unshippedQuantity"]}
                    for line in lines
                ],
            },
            "productsFirst": len(lines) + 5,  # a short page: part of the points refunded
        },
    )
    shipment_id = created["shipmentCreate"]["shipment"]["id"]
    call(
        "ShipmentShip",
        {
            "input": {
                "id": shipment_id,
                "isTracked": True,
                "trackingNumber": "3SABC123",
                "carrier": "PostNL",
                "estimatedTransitDays": 2,
            }
        },
    )
    call("OrderShipments", {"id": order_id, "first": 3, "productsFirst": 50})
    call("OrderCancel", {"input": {"id": other_id, "reason": "OTHER", "message": "test"}})
    variants = call("ProductVariants", {"first": 3})["productVariants"]["nodes"]
    call("ProductVariants", {"first": 10, "skus": [variants[0]["sku"], "NO-SUCH-SKU"]})
    call(
        "InventoryLevelBulkAdjust",
        {
            "input": {
                "inventoryLevels": [
                    {"sku": variants[0]["sku"], "action": "SET", "adjustment": 7},
                    {"sku": variants[1]["sku"], "action": "ADJUST", "adjustment": -1},
                    {"sku": "NO-SUCH-SKU", "action": "SET", "adjustment": 1},
                ]
            }
        },
    )
    call("Customers", {"first": 4})
    customer = call(
        "CustomerCreate",
        {
            "input": {
                "companyName": "Winkel de Vries",
                "locale": "nl",
                "email": "inkoop@winkeldevries.example",
                "country": "NL",
            }
        },
    )["customerCreate"]["customer"]
    call("CustomerUpdate", {"input": {"id": customer["id"], "phone": "+31201234567"}})
    webhook = call(
        "WebhookCreate",
        {"input": {"topic": "ORDER_CREATED", "endpoint": "https://hooks.example.com/oc"}},
    )["webhookCreate"]["webhook"]
    call("Webhooks", {"first": 10})
    call("WebhookDelete", {"input": {"id": webhook["id"]}})
    assert call.sent == set(operation_names()), "add new operation documents to this scenario"


# -- webhook signing -------------------------------------------------------------------------


def test_signature_is_lowercase_hex_hmac_sha256_of_the_raw_body() -> None:
    # RFC 4231 test case 2: an outside vector neither side wrote.
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert webhook_signature(b"what do ya want for nothing?", "Jefe") == expected
    assert verify(b"what do ya want for nothing?", expected, "Jefe")


@settings(max_examples=80, deadline=None)
@given(body=st.binary(max_size=400), secret=st.text(min_size=1, max_size=40))
def test_client_accepts_the_sandbox_signature_and_rejects_tampering(
    body: bytes, secret: str
) -> None:
    signature = webhook_signature(body, secret)
    assert verify(body, signature, secret)
    assert not verify(body + b" ", signature, secret)
    assert not verify(body, signature, secret + "x")
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert not verify(body, flipped, secret)
    assert not verify(body, None, secret)


def test_the_signing_key_is_the_secret_text_as_utf8() -> None:
    body = b'{"data":{"order":{"id":"T3JkZXI6MQ","number":"OC-1"}}}'
    secret = "gehéim-sleutel"
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    assert webhook_signature(body, secret) == expected
    assert verify(body, expected, secret)
