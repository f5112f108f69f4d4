"""Queries over real HTTP: pagination both ways, filters, sorts, nested connections, auth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oc_bridge.sandbox import Sandbox
from oc_bridge.sandbox.graphql_api import load_sdl

ORDERS = """
query Orders($first: Int, $after: String, $last: Int, $before: String, $sort: OrderSort,
             $unconfirmed: Boolean, $cancelled: Boolean, $fulfilled: Boolean) {
  orders(first: $first, after: $after, last: $last, before: $before, sort: $sort,
         includeUnconfirmed: $unconfirmed, includeCancelled: $cancelled,
         isFulfilled: $fulfilled) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number createdAt updatedAt isConfirmed isCancelled isFulfilled } }
  }
}
"""


def _expected(sandbox: Sandbox, *, unconfirmed: bool = False, cancelled: bool = False) -> list[str]:
    return [
        o.id
        for o in sorted(sandbox.state.orders, key=lambda o: (o.created_at, o.seq))
        if (unconfirmed or o.is_confirmed) and (cancelled or not o.is_cancelled)
    ]


def _page_forward(gql: Any, size: int, **variables: Any) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        conn = gql.data(ORDERS, {"first": size, "after": after, **variables})["orders"]
        ids += [edge["node"]["id"] for edge in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return ids
        after = conn["pageInfo"]["endCursor"]


def test_account(shared_gql: Any) -> None:
    account = shared_gql.data("{ account { id name type slug } }")["account"]
    assert account["type"] == "SUPPLIER"
    assert account["id"] == "QWNjb3VudDox"


def test_forward_pagination_default_filters(shared_sandbox: Sandbox, shared_gql: Any) -> None:
    expected = _expected(shared_sandbox)
    assert _page_forward(shared_gql, 7) == expected
    first = shared_gql.data(ORDERS, {"first": 7})["orders"]
    assert first["totalCount"] == len(expected)
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["edges"][0]["cursor"] == first["pageInfo"]["startCursor"]


def test_include_flags(shared_sandbox: Sandbox, shared_gql: Any) -> None:
    every = _expected(shared_sandbox, unconfirmed=True, cancelled=True)
    assert len(every) == len(shared_sandbox.state.orders)
    assert _page_forward(shared_gql, 25, unconfirmed=True, cancelled=True) == every
    with_unconfirmed = _page_forward(shared_gql, 25, unconfirmed=True)
    assert with_unconfirmed == _expected(shared_sandbox, unconfirmed=True)
    assert len(with_unconfirmed) > len(_expected(shared_sandbox))
    with_cancelled = _page_forward(shared_gql, 25, cancelled=True)
    assert with_cancelled == _expected(shared_sandbox, cancelled=True)


def test_backward_pagination(shared_sandbox: Sandbox, shared_gql: Any) -> None:
    expected = _expected(shared_sandbox)
    ids: list[str] = []
    before = None
    while True:
        conn = shared_gql.data(ORDERS, {"last": 9, "before": before})["orders"]
        ids = [edge["node"]["id"] for edge in conn["edges"]] + ids
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    assert ids == expected
    middle = shared_gql.data(ORDERS, {"first": 5})["orders"]["pageInfo"]["endCursor"]
    back = shared_gql.data(ORDERS, {"last": 3, "before": middle})["orders"]
    assert [e["node"]["id"] for e in back["edges"]] == expected[1:4]
    assert back["pageInfo"]["hasNextPage"] is True
    assert back["pageInfo"]["hasPreviousPage"] is True


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_any_page_sizes_list_every_order_exactly_once(
    shared_sandbox: Sandbox, shared_gql: Any, sizes: list[int]
) -> None:
    ids: list[str] = []
    after = None
    turn = 0
    while True:
        size = sizes[turn % len(sizes)]
        turn += 1
        conn = shared_gql.data(
            ORDERS, {"first": size, "after": after, "unconfirmed": True, "cancelled": True}
        )["orders"]
        assert len(conn["edges"]) <= size
        ids += [edge["node"]["id"] for edge in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert sorted(ids) == sorted(o.id for o in shared_sandbox.state.orders)
    assert len(ids) == len(set(ids))


def test_sorts(shared_sandbox: Sandbox, shared_gql: Any) -> None:
    def listing(sort: str) -> list[dict[str, Any]]:
        conn = shared_gql.data(
            ORDERS, {"first": 500, "sort": sort, "unconfirmed": True, "cancelled": True}
        )["orders"]
        return [edge["node"] for edge in conn["edges"]]

    ascending = listing("CREATED_AT_ASC")
    assert [n["id"] for n in listing("CREATED_AT_DESC")] == [n["id"] for n in ascending][::-1]
    numbers = [n["number"] for n in listing("ID_ASC")]
    assert numbers == sorted(numbers)
    updated = listing("UPDATED_AT_ASC")
    stamps = [n["updatedAt"] for n in updated]
    assert [
        o.id for o in sorted(shared_sandbox.state.orders, key=lambda o: (o.updated_at, o.seq))
    ] == [n["id"] for n in updated]
    assert len(stamps) == len(shared_sandbox.state.orders)


def test_is_fulfilled_and_updated_since(shared_sandbox: Sandbox, shared_gql: Any) -> None:
    query = """query($f: Boolean, $since: DateTime) {
      orders(first: 500, isFulfilled: $f, updatedSince: $since) {
        totalCount nodes { id isFulfilled updatedAt } } }"""
    unfulfilled = shared_gql.data(query, {"f": False})["orders"]
    assert unfulfilled["nodes"] and not any(n["isFulfilled"] for n in unfulfilled["nodes"])
    fulfilled = shared_gql.data(query, {"f": True})["orders"]
    assert fulfilled["nodes"] and all(n["isFulfilled"] for n in fulfilled["nodes"])
    assert (
        unfulfilled["totalCount"] + fulfilled["totalCount"]
        == shared_gql.data("{ orders(first: 1) { totalCount } }")["orders"]["totalCount"]
    )
    stamps = sorted(n["updatedAt"] for n in unfulfilled["nodes"] + fulfilled["nodes"])
    pivot = stamps[len(stamps) // 2]
    since = shared_gql.data(query, {"since": pivot})["orders"]
    assert since["nodes"] and all(n["updatedAt"] >= pivot for n in since["nodes"])
    assert since["totalCount"] == sum(1 for s in stamps if s >= pivot)
    # An inline literal works too.
    inline = shared_gql.data(f'{{ orders(first: 1, updatedSince: "{pivot}") {{ totalCount }} }}')[
        "orders"
    ]
    assert inline["totalCount"] == since["totalCount"]
    # Like the live API (reference §4): an explicit null returns nothing; omit it instead.
    assert shared_gql.data(query, {"since": None})["orders"]["totalCount"] == 0


def test_cursor_is_stable_when_orders_are_inserted(sandbox: Sandbox, gql: Any) -> None:
    page = gql.data(ORDERS, {"first": 10})["orders"]
    after = page["pageInfo"]["endCursor"]
    expected = gql.data(ORDERS, {"first": 5, "after": after})["orders"]["edges"]
    sandbox.create_order(confirmed=True)
    again = gql.data(ORDERS, {"first": 5, "after": after})["orders"]["edges"]
    assert [e["node"]["id"] for e in again] == [e["node"]["id"] for e in expected]


def test_order_with_nested_connections_and_money_strings(
    shared_sandbox: Sandbox, shared_gql: Any
) -> None:
    big = next(o for o in shared_sandbox.state.orders if o.shipments and len(o.lines) > 3)
    query = """query($id: ID!, $after: String) { order(id: $id) {
        id number status createdAt totalPrice subtotalPrice taxPrice currency productsCount
        shippingAddress { street houseNumber postalCode city country }
        customer { id companyName }
        products(first: 3, after: $after) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { id sku title quantity unshippedQuantity unitPrice subtotalPrice } }
        shipments(first: 5) { nodes { id isShipped shippedAt trackingNumber
          products(first: 50) { nodes { quantity orderProduct { id sku } } } } }
        invoices(first: 5) { nodes { id number type pdfUrl totalPrice createdAt } }
        supplierBills(first: 5) { nodes { type } }
        agencyInvoices(first: 5) { nodes { type } } } }"""
    order = shared_gql.data(query, {"id": big.id})["order"]
    assert order["number"] == big.number
    assert order["totalPrice"] == str(big.total_price)
    assert order["totalPrice"].count(".") == 1 and len(order["totalPrice"].split(".")[1]) == 2
    assert order["createdAt"].endswith("+00:00")
    assert order["products"]["totalCount"] == len(big.lines) == order["productsCount"]
    lines = order["products"]["nodes"]
    after = order["products"]["pageInfo"]["endCursor"]
    more = shared_gql.data(query, {"id": big.id, "after": after})["order"]["products"]["nodes"]
    assert [n["id"] for n in lines + more] == [ln.id for ln in big.lines][: len(lines + more)]
    shipment = order["shipments"]["nodes"][0]
    assert shipment["products"]["nodes"][0]["orderProduct"]["id"] in {ln.id for ln in big.lines}
    invoice = order["invoices"]["nodes"][0]
    assert invoice["pdfUrl"] == f"{shared_sandbox.base_url}/invoices/{invoice['id']}.pdf"
    pdf = requests.get(invoice["pdfUrl"], timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert all(n["type"] == "DIRECT_INVOICE" for n in order["agencyInvoices"]["nodes"])
    assert all(n["type"] == "COMMISSION_INVOICE" for n in order["supplierBills"]["nodes"])
    assert shared_gql.data('{ order(id: "T3JkZXI6OTk5OTk") { id } }')["order"] is None


def test_catalogue_customers_and_webhooks(shared_sandbox: Sandbox, shared_gql: Any) -> None:
    skus = [v.sku for v in shared_sandbox.state.variants[:3]]
    data = shared_gql.data(
        """query($skus: [String!], $sku: String!) {
          productVariants(first: 10, skus: $skus) { totalCount nodes { sku inventoryQuantity
            inventoryPolicy inventoryLevels(first: 5) { nodes { id quantity availableQuantity
            location { id isPrimary } } } } }
          all: productVariants(first: 2) { totalCount pageInfo { hasNextPage } }
          one: productVariantBySku(sku: $sku) { sku title }
          portal: customers(first: 100, channel: PORTAL) { nodes { channel } }
          customers(first: 3) { totalCount nodes { id companyName email vatNumber locale
            address { city country } } }
          webhooks(first: 10) { totalCount } }""",
        {"skus": skus, "sku": skus[0]},
    )
    variants = data["productVariants"]
    assert [v["sku"] for v in variants["nodes"]] == skus and variants["totalCount"] == 3
    level = variants["nodes"][0]["inventoryLevels"]["nodes"][0]
    assert level["location"]["isPrimary"] is True
    assert variants["nodes"][0]["inventoryQuantity"] == level["quantity"]
    assert data["all"]["totalCount"] == len(shared_sandbox.state.variants)
    assert data["one"]["sku"] == skus[0]
    assert {c["channel"] for c in data["portal"]["nodes"]} == {"PORTAL"}
    assert data["customers"]["totalCount"] == len(shared_sandbox.state.customers)


def test_connection_without_first_or_last_is_a_validation_error(shared_gql: Any) -> None:
    answer = shared_gql("{ orders { totalCount } }")
    assert answer.get("data") is None
    assert '"first" or "last"' in answer["errors"][0]["message"]
    nested = shared_gql("{ orders(first: 1) { nodes { products { totalCount } } } }")
    assert "products" in nested["errors"][0]["message"]


def test_bad_cursor_and_negative_size(shared_gql: Any) -> None:
    answer = shared_gql('{ orders(first: 2, after: "bm9wZQ") { totalCount } }')
    assert "Invalid cursor" in answer["errors"][0]["message"]
    answer = shared_gql("{ orders(first: -1) { totalCount } }")
    assert "non-negative" in answer["errors"][0]["message"]


def test_auth_and_bad_bodies(shared_sandbox: Sandbox, make_sandbox: Any, graphql_for: Any) -> None:
    url = shared_sandbox.url
    missing = requests.post(url, json={"query": "{ account { id } }"}, timeout=10)
    assert missing.status_code == 401
    assert missing.json() == {"errors": [{"message": "Unauthorized"}]}
    headers = {"Authorization": "Bearer any"}
    not_json = requests.post(url, data=b"{nope", headers=headers, timeout=10)
    assert not_json.status_code == 400
    assert requests.get(url, headers=headers, timeout=10).status_code == 405
    locked = make_sandbox(orders=3, token="right")
    assert graphql_for(locked, token="wrong").raw("{ account { id } }").status_code == 401
    assert graphql_for(locked, token="right").data("{ account { id } }")["account"]["id"]


def test_introspection(shared_gql: Any) -> None:
    data = shared_gql.data(
        "{ __schema { queryType { name } types { name } } "
        '__type(name: "Order") { fields { name } } }'
    )
    names = {t["name"] for t in data["__schema"]["types"]}
    assert {"Order", "Shipment", "DateTime", "Decimal"} <= names
    assert "shipments" in {f["name"] for f in data["__type"]["fields"]}
    assert "productsCount" in {f["name"] for f in data["__type"]["fields"]}


def test_schema_path_serves_a_renamed_field(
    tmp_path: Path, make_sandbox: Any, graphql_for: Any
) -> None:
    sdl = load_sdl().replace("  unshippedQuantity: Int!", "  quantityToShip: Int")
    assert "quantityToShip" in sdl
    path = tmp_path / "renamed.graphql"
    path.write_text(sdl, encoding="utf-8")
    sandbox = make_sandbox(orders=5, schema_path=path)
    gql = graphql_for(sandbox)
    fields = gql.data('{ __type(name: "OrderProduct") { fields { name } } }')["__type"]["fields"]
    names = {f["name"] for f in fields}
    assert "quantityToShip" in names and "unshippedQuantity" not in names
    node = gql.data(
        "{ orders(first: 1, includeUnconfirmed: true) { nodes { products(first: 1) "
        "{ nodes { sku quantityToShip } } } } }"
    )["orders"]["nodes"][0]
    assert node["products"]["nodes"][0] == {
        "sku": node["products"]["nodes"][0]["sku"],
        "quantityToShip": None,
    }
    old = gql(
        "{ orders(first: 1) { nodes { products(first: 1) { nodes { unshippedQuantity } } } } }"
    )
    assert "unshippedQuantity" in old["errors"][0]["message"]
