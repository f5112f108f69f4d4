"""Orderchamp enum values the bridge sends as variables, in one place.

Values inside the operation documents are checked by ``doctor`` against the live schema like
every other name; values sent in variables are not part of any document, so they are listed
here and ``doctor`` checks each against the live enum (:data:`SENT_ENUM_VALUES`).
"""

from __future__ import annotations

__all__ = ["SENT_ENUM_VALUES", "SHIPMENT_METHODS", "normalise_shipment_method"]

#: ``ShipmentMethod`` of ``shipmentCreate`` [assumed names]: ship yourself, or Orderchamp
#: shipping (reference §5: "per shipment you can choose a shipment method").
SHIPMENT_METHODS: tuple[str, ...] = ("SHIP_YOURSELF", "ORDERCHAMP")

#: Enum type name -> the values the bridge may send in variables.
SENT_ENUM_VALUES: dict[str, tuple[str, ...]] = {"ShipmentMethod": SHIPMENT_METHODS}


def normalise_shipment_method(value: str) -> str:
    """``value`` as a ``ShipmentMethod`` (case and ``-``/space separators do not matter:
    ``ship-yourself`` → ``SHIP_YOURSELF``); raises ``ValueError`` naming the known values."""
    text = "_".join(value.strip().replace("-", " ").split()).upper()
    if text not in SHIPMENT_METHODS:
        raise ValueError(f"shipment method {value!r} is not one of "
                         f"{', '.join(SHIPMENT_METHODS)}")
    return text
