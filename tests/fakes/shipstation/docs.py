"""ShipStation's documented payloads, loaded from ``fixtures/`` (one JSON file per doc page).

Each fixture names the page it came from (``source``) and how it was obtained
(``provenance``). The fake builds every record it serves from these examples, so a record
has exactly the fields ShipStation documents (:func:`shaped`), and refuses requests that carry
fields or query parameters the documentation does not show (:func:`undocumented`): an adapter
that depends on something ShipStation never promised fails here, not in production.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "FIXTURES",
    "QUERY_PARAMETERS",
    "example",
    "fields",
    "shaped",
    "undocumented",
]

FIXTURES = Path(__file__).with_name("fixtures")

#: Query parameters each list documents (the pages' "URL format with filters"). ``batchId``
#: and ``storeID`` appear in the documented webhook ``resource_url``.
QUERY_PARAMETERS: dict[str, frozenset[str]] = {
    "/orders": frozenset({
        "customerName", "itemKeyword", "createDateStart", "createDateEnd",
        "modifyDateStart", "modifyDateEnd", "orderDateStart", "orderDateEnd", "orderNumber",
        "orderStatus", "paymentDateStart", "paymentDateEnd", "storeId", "sortBy", "sortDir",
        "page", "pageSize", "importBatch", "storeID"}),
    "/shipments": frozenset({
        "recipientName", "recipientCountryCode", "orderNumber", "orderId", "carrierCode",
        "serviceCode", "trackingNumber", "customsCountryCode", "createDateStart", "createDateEnd",
        "shipDateStart", "shipDateEnd", "voidDateStart", "voidDateEnd", "storeId",
        "includeShipmentItems", "sortBy", "sortDir", "page", "pageSize", "batchId", "storeID"}),
    "/fulfillments": frozenset({
        "fulfillmentId", "orderId", "orderNumber", "trackingNumber", "recipientName",
        "createDateStart", "createDateEnd", "shipDateStart", "shipDateEnd", "sortBy", "sortDir",
        "page", "pageSize", "batchId", "storeID"}),
    "/stores": frozenset({"showInactive", "marketplaceId"}),
    "/webhooks": frozenset(),
    # V2 (OpenAPI getInventoryLevels); ``page`` only appears in the fake's own ``links``.
    "/v2/inventory": frozenset({
        "sku", "inventory_warehouse_id", "inventory_location_id", "group_by", "limit", "page"}),
}


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def example(name: str, part: str = "response") -> Any:
    """A fresh copy of ``part`` (``request``/``response``/...) of fixture ``name``."""
    return json.loads(json.dumps(_load(name)[part]))


def fields(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The documented field names of an example record, in the documentation's order."""
    return tuple(record)


def shaped(template: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A record with exactly ``template``'s fields: ``values`` where given, else null.

    Raises ``KeyError`` for a value the documented record has no field for (a fake bug).
    """
    extra = set(values) - set(template)
    if extra:
        raise KeyError(f"not a documented field: {sorted(extra)}")
    return {name: values.get(name) for name in template}


def undocumented(given: Iterable[str], documented: Iterable[str]) -> list[str]:
    """The names in ``given`` that the documentation does not show, sorted."""
    return sorted(set(given) - set(documented))
