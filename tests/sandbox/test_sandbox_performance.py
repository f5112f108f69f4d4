"""Listing a large sandbox over HTTP with full order fields and lines pages through everything.

How fast it is: bench/sandbox_speed.py (timings are printed there, never asserted in tests)."""

from __future__ import annotations

from typing import Any

FULL_PAGE = """query Page($after: String) {
  orders(first: 10, after: $after, includeUnconfirmed: true, includeCancelled: true) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id number reference note createdAt updatedAt status isConfirmed isCancelled isFulfilled
      isPaid confirmedAt paidAt estimatedDeliveryAt companyName companyPhone email firstName
      lastName vatNumber isTaxShifted customer { id companyName email }
      shippingAddress { companyName name street houseNumber addressLine2 postalCode city country }
      billingAddress { companyName name street houseNumber postalCode city country }
      currency totalPrice subtotalPrice taxPrice retailerShippingPrice productsCount
      products(first: 15) { pageInfo { hasNextPage endCursor }
        nodes { id sku title quantity unshippedQuantity unitPrice subtotalPrice taxPrice } }
    }
  }
}"""


def test_paging_three_thousand_orders_with_lines(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=3000, seed=2)
    gql = graphql_for(sandbox)
    after, seen, lines = None, 0, 0
    while True:
        conn = gql.data(FULL_PAGE, {"after": after})["orders"]
        seen += len(conn["nodes"])
        lines += sum(len(node["products"]["nodes"]) for node in conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == 3000 and lines > 3000 * 6
