"""The adapter contract suite against the Picqer-shaped fake, configured by the bundled
profile."""

from __future__ import annotations

import pytest
from fakes.rest_wms import FakePicqer
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.testing import AdapterContract


class TestPicqerContract(AdapterContract):
    consumes_shipments = False  # a cursor source: shipments may come back with the same key

    @pytest.fixture
    def adapter(self, picqer_adapter: RestWmsAdapter) -> RestWmsAdapter:
        return picqer_adapter

    @pytest.fixture
    def warehouse(self, picqer_fake: FakePicqer) -> FakePicqer:
        return picqer_fake
