"""Stand-ins for warehouse APIs on loopback HTTP (test code): Picqer and ShipBob written from
the vendors' public documentation (example payloads in ``fixtures/``, sources in
``fixtures/SOURCES.md``), and a generic paging endpoint. None of them imports the adapter."""

from __future__ import annotations

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse
from fakes.rest_wms.paging import FakePagedList
from fakes.rest_wms.picqer import FakePicqer
from fakes.rest_wms.shipbob import FakeShipBob

__all__ = ["FakePagedList", "FakePicqer", "FakeRequest", "FakeResponse", "FakeShipBob",
           "FakeWarehouse"]
