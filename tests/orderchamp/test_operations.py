"""The operations folder: every document is valid against the sandbox schema; doctor's check."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, introspection_from_schema

from oc_bridge.orderchamp import OrderchampClient, all_operations, load_operation
from oc_bridge.orderchamp.operations import FRAGMENTS_FILE, operation_names
from oc_bridge.orderchamp.schema_check import check_operations, fetch_schema, local_schema

from .helpers import FakeOrderchamp

REQUIRED = {
    "OrdersPage", "Order", "OrderProductsPage", "Account", "OrderConfirm", "OrderCancel",
    "OrderMarkAsPaid", "OrderUpdateEstimatedDelivery", "ShipmentCreate", "ShipmentShip",
    "OrderShipments", "OrderInvoices", "Webhooks", "WebhookCreate", "WebhookDelete",
    "ProductVariants", "InventoryLevelBulkAdjust", "Customers", "CustomerCreate",
    "CustomerUpdate",
}


def _sandbox_sdl() -> str:
    from importlib import resources

    return resources.files("oc_bridge.sandbox").joinpath("schema.graphql").read_text("utf-8")


def test_every_document_validates_against_the_sandbox_schema() -> None:
    """Acceptance: every document in the operations folder is valid for the sandbox schema."""
    operations = all_operations()
    assert {op.name for op in operations} >= REQUIRED
    assert check_operations(local_schema()) == []


@pytest.mark.parametrize("name", operation_names())
def test_each_file_is_one_operation_named_like_the_file(name: str) -> None:
    operation = load_operation(name)
    assert operation.name == name
    assert operation.is_mutation == (f"mutation {name}(" in operation.source)


def test_fragments_file_is_not_an_operation() -> None:
    assert FRAGMENTS_FILE.removesuffix(".graphql") not in operation_names()
    with pytest.raises(KeyError):
        load_operation("NoSuchOperation")


def test_renamed_field_is_reported_with_operation_and_field() -> None:
    sdl = _sandbox_sdl().replace("  trackingNumber: String\n  trackingUrl: String\n  carrier",
                                 "  trackingCode: String\n  trackingUrl: String\n  carrier", 1)
    assert "trackingCode" in sdl
    mismatches = check_operations(build_schema(sdl))
    affected = {m.operation for m in mismatches}
    assert {"ShipmentShip", "ShipmentCreate", "OrderShipments"} <= affected
    ship = next(m for m in mismatches if m.operation == "ShipmentShip")
    assert "trackingNumber" in ship.message and "Shipment" in ship.message
    assert ship.message.startswith(f"{FRAGMENTS_FILE}:") and ship.line is not None
    assert "trackingNumber" in _fragments_line(ship.line)


def _fragments_line(number: int) -> str:
    from importlib import resources

    text = resources.files("oc_bridge.orderchamp").joinpath(
        "operations", FRAGMENTS_FILE).read_text("utf-8")
    return text.splitlines()[number - 1]


def test_changed_enum_and_argument_are_reported() -> None:
    sdl = (_sandbox_sdl()
           .replace("  updatedSince: DateTime\n  ): OrderConnection!", "  ): OrderConnection!")
           .replace("  SalesChannel", "  Channel").replace("enum SalesChannel", "enum Channel")
           .replace("channel: SalesChannel", "channel: Channel"))
    messages = {m.operation: m.message for m in check_operations(build_schema(sdl))}
    assert "updatedSince" in messages["OrdersPage"]
    assert "SalesChannel" in messages["Customers"]


def test_fetch_schema_introspects_through_the_client(client: OrderchampClient,
                                                     fake: FakeOrderchamp) -> None:
    result: dict[str, Any] = dict(introspection_from_schema(local_schema()))
    fake.queue("IntrospectionQuery", {"data": result})
    schema = fetch_schema(client)
    assert schema.get_type("Order") is not None
    assert check_operations(schema) == []
