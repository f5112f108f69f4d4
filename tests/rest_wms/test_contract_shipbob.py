"""The adapter contract suite against the ShipBob-shaped fake, configured by the bundled
profile."""

from __future__ import annotations

import pytest
from fakes.rest_wms import FakeShipBob
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.testing import AdapterContract


class TestShipBobContract(AdapterContract):
    consumes_shipments = False  # a cursor source: shipments may come back with the same key

    @pytest.fixture
    def adapter(self, shipbob_adapter: RestWmsAdapter) -> RestWmsAdapter:
        return shipbob_adapter

    @pytest.fixture
    def warehouse(self, shipbob_fake: FakeShipBob) -> FakeShipBob:
        return shipbob_fake
