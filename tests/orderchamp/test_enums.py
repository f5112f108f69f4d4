"""Enum values sent in variables (the shipment method) are checked against a schema."""

from __future__ import annotations

from graphql import build_schema

from oc_bridge.orderchamp.enums import SHIPMENT_METHODS, normalise_shipment_method
from oc_bridge.orderchamp.schema_check import check_enum_values, local_schema


def test_the_sandbox_schema_has_every_value_sent() -> None:
    assert check_enum_values(local_schema()) == []


def test_a_changed_enum_is_reported() -> None:
    schema = build_schema("type Query { a: Int }\nenum ShipmentMethod { SHIP_YOURSELF PICKUP }")
    [problem] = check_enum_values(schema)
    assert "ShipmentMethod has no value ORDERCHAMP" in problem.message
    assert "SHIP_YOURSELF, PICKUP" in problem.message
    [missing] = check_enum_values(build_schema("type Query { a: Int }"))
    assert "enum ShipmentMethod is not in the schema" in missing.message


def test_method_spellings() -> None:
    assert [normalise_shipment_method(v) for v in ("orderchamp", " Ship-Yourself ",
                                                   "ship  yourself")] == [
        "ORDERCHAMP", "SHIP_YOURSELF", "SHIP_YOURSELF"]
    assert SHIPMENT_METHODS == ("SHIP_YOURSELF", "ORDERCHAMP")
