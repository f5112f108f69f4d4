"""One bridge installation for the end-to-end tests: folders, settings TOML, and ``oc-bridge``
run as a subprocess against an in-process sandbox."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from oc_bridge.sandbox import Sandbox

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


@dataclass
class Bridge:
    """One bridge installation: its folders, settings file and sandbox."""

    root: Path
    sandbox: Sandbox

    @property
    def config(self) -> Path:
        return self.root / "settings.toml"

    @property
    def outbound(self) -> Path:
        return self.root / "out"

    @property
    def inbound(self) -> Path:
        return self.root / "in"

    def write_config(self, extra: str = "") -> None:
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
default_transit_days = 3

[adapters.csv]
outbound_dir = "{self.outbound}"
inbound_dir = "{self.inbound}"
{extra}
""", encoding="utf-8")

    def run(self, *args: str, crash_at: str | None = None,
            config: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``python -m oc_bridge --config settings.toml ARGS`` in a fresh process."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}
        if crash_at:
            env["OC_BRIDGE_CRASH_AT"] = crash_at
        return subprocess.run(
            [sys.executable, "-m", "oc_bridge", "--config", str(config or self.config), *args],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=60, check=False)

    def order_files(self) -> Counter[tuple[str, str]]:
        """How many order files exist per (order id, revision) in the outbound folder."""
        files: Counter[tuple[str, str]] = Counter()
        for path in sorted(self.outbound.glob("orders-*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                keys = {(row["order_id"], row["revision"]) for row in csv.DictReader(handle)}
            assert len(keys) == 1, f"{path.name} mixes orders: {keys}"
            files.update(keys)
        return files

    def drop_shipments(self, name: str, rows: list[dict[str, object]]) -> Path:
        """Write a shipment file into the inbound folder (as a warehouse would)."""
        self.inbound.mkdir(parents=True, exist_ok=True)
        columns = ["order_number", "sku", "quantity", "carrier", "tracking_number",
                   "tracking_url", "shipped_at", "estimated_transit_days"]
        tmp = self.inbound / f".{name}.tmp"
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: row.get(c, "") for c in columns})
        path = self.inbound / name
        tmp.replace(path)
        return path
