"""Fake warehouses on loopback HTTP for tests: Picqer- and ShipBob-shaped, and a generic
paging endpoint. They behave like the profiles in ``plugins/rest_wms/profiles`` expect."""

from __future__ import annotations

from plugins.rest_wms.fakes.base import FakeRequest, FakeResponse, FakeWarehouse
from plugins.rest_wms.fakes.paging import FakePagedList
from plugins.rest_wms.fakes.picqer import FakePicqer
from plugins.rest_wms.fakes.shipbob import FakeShipBob

__all__ = ["FakePagedList", "FakePicqer", "FakeRequest", "FakeResponse", "FakeShipBob",
           "FakeWarehouse"]
