"""One bridge installation for the workflow tests: folders, settings, ``oc-bridge`` as a
subprocess against an in-process sandbox, and a few helpers on the sandbox's data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


@dataclass
class WorkflowBridge:
    """A CSV installation with stock and invoice folders."""

    root: Path
    sandbox: Sandbox

    @property
    def config(self) -> Path:
        return self.root / "settings.toml"

    @property
    def outbound(self) -> Path:
        return self.root / "out"

    @property
    def stock_dir(self) -> Path:
        return self.root / "stock"

    @property
    def invoices_dir(self) -> Path:
        return self.root / "invoices"

    def write_config(self, *, sync: str = "", csv_extra: str = "") -> None:
        self.config.write_text(f"""
[orderchamp]
api_url = "{self.sandbox.url}"
token = "sandbox-token"
bucket_size = 1000000
restore_rate = 1000000.0
max_attempts = 2

[store]
url = "sqlite:///{self.root / 'ledger.db'}"

[sync]
{sync}

[adapters.csv]
outbound_dir = "{self.outbound}"
inbound_dir = "{self.root / 'in'}"
stock_dir = "{self.stock_dir}"
invoices_dir = "{self.invoices_dir}"
{csv_extra}
""", encoding="utf-8")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python -m oc_bridge --config settings.toml ARGS`` in a fresh process."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}
        return subprocess.run(
            [sys.executable, "-m", "oc_bridge", "--config", str(self.config), *args],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=120, check=False)

    def run_json(self, *args: str, code: int = 0) -> Any:
        result = self.run(*args)
        assert_ok(result, code)
        return json.loads(result.stdout)

    def write_stock(self, levels: dict[str, int], name: str = "stock.csv") -> Path:
        """A ``sku;quantity`` snapshot file (with a header), replaced atomically."""
        self.stock_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.stock_dir / f".{name}.tmp"
        tmp.write_text("sku;quantity\n" + "".join(f"{s};{q}\n" for s, q in levels.items()),
                       encoding="utf-8")
        tmp.replace(self.stock_dir / name)
        return self.stock_dir / name

    def order(self, order_id: str) -> dict[str, Any]:
        return self.sandbox.get_order(order_id)

    def client(self) -> OrderchampClient:
        return OrderchampClient(self.sandbox.url, "t", throttle=False)

    def exported_ids(self) -> set[str]:
        """Order ids with an order file in the outbound folder."""
        ids = set()
        for path in self.outbound.glob("orders-*.csv"):
            lines = path.read_text(encoding="utf-8").splitlines()
            header = lines[0].split(",")
            ids.update(line.split(",")[header.index("order_id")] for line in lines[1:])
        return ids


def assert_ok(result: subprocess.CompletedProcess[str], code: int = 0) -> None:
    assert result.returncode == code, f"rc {result.returncode}\n{result.stdout}\n{result.stderr}"
