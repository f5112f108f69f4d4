"""The CSV adapter passes the adapter contract suite (fixtures in conftest.py)."""

from oc_bridge.testing import AdapterContract


class TestCsvAdapterContract(AdapterContract):
    consumes_shipments = True
