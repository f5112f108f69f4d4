"""The CSV adapter passes the adapter contract suite (fixtures in conftest.py)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from oc_bridge_csv import CsvAdapter

from oc_bridge.testing import AdapterContract


class TestCsvAdapterContract(AdapterContract):
    consumes_shipments = True


class TestCsvAdapterWithStockAndInvoicesContract(AdapterContract):
    """The same suite with ``stock_dir`` and ``invoices_dir`` set (stock and invoice tests run)."""

    consumes_shipments = True

    @pytest.fixture
    def adapter(self, make_adapter: Callable[..., CsvAdapter], tmp_path: Path) -> CsvAdapter:
        return make_adapter(stock_dir=str(tmp_path / "stock"),
                            invoices_dir=str(tmp_path / "invoices"))
