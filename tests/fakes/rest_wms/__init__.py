"""Fake warehouses on loopback HTTP for tests: Picqer- and ShipBob-shaped, and a generic
paging endpoint. They behave like the profiles in ``plugins/rest_wms/profiles`` expect."""

from __future__ import annotations

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse
from fakes.rest_wms.paging import FakePagedList
from fakes.rest_wms.picqer import FakePicqer
from fakes.rest_wms.shipbob import FakeShipBob

__all__ = ["FakePagedList", "FakePicqer", "FakeRequest", "FakeResponse", "FakeShipBob",
           "FakeWarehouse"]
