"""The CSV adapter passes the adapter contract suite, built by the public factory exactly as a
third-party author would: once with the minimal configuration, once with ``stock_dir`` and
``invoices_dir`` set (so the stock and invoice tests run)."""

from __future__ import annotations

from typing import Any

from oc_bridge_csv import CsvAdapter
from oc_bridge_csv.probe import CsvWarehouse

from oc_bridge.testing import ContractEnv, adapter_contract


def _folders(env: ContractEnv) -> dict[str, Any]:
    return {"outbound_dir": str(env.tmp_path / "out"), "inbound_dir": str(env.tmp_path / "in")}


def _probe(adapter: CsvAdapter, env: ContractEnv) -> CsvWarehouse:
    return CsvWarehouse(adapter.config, env.tmp_path / "taken")


TestCsvAdapterContract = adapter_contract(
    CsvAdapter, options=_folders, probe=_probe, instance="csv")

TestCsvAdapterWithStockAndInvoicesContract = adapter_contract(
    CsvAdapter,
    options=lambda env: {**_folders(env), "stock_dir": str(env.tmp_path / "stock"),
                         "invoices_dir": str(env.tmp_path / "invoices")},
    probe=_probe,
    instance="csv",
)
