"""Benchmark: 10,000 orders (about 8 lines each) through `oc-bridge sync` into CSV files.

Starts the sandbox in this process with throttling off, runs the real `oc-bridge sync` as a
subprocess with the CSV adapter and a fresh SQLite ledger in a temporary folder, and prints
orders exported per second and the peak resident memory of the sync process.
Targets: at least 200 orders/s, peak RSS under 200 MB.

Usage: python bench/sync_throughput.py [--orders 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oc_bridge.sandbox import Sandbox, SandboxConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    config = SandboxConfig(orders=args.orders, seed=args.seed, throttle=False,
                           webhooks_enabled=False)
    started = time.monotonic()
    sandbox = Sandbox(config).start(host="127.0.0.1", port=0)
    print(f"sandbox with {args.orders} orders ready in {time.monotonic() - started:.1f} s")
    workdir = Path(tempfile.mkdtemp(prefix="oc-bridge-bench-"))
    try:
        settings = workdir / "settings.toml"
        settings.write_text(
            f'[orderchamp]\napi_url = "{sandbox.url}"\ntoken = "bench"\n'
            f'[store]\nurl = "sqlite:///{workdir / "ledger.sqlite3"}"\n'
            f'[adapters.csv]\noutbound_dir = "{workdir / "out"}"\n'
            f'inbound_dir = "{workdir / "in"}"\n',
            encoding="utf-8",
        )
        exe = shutil.which("oc-bridge", path=os.path.dirname(sys.executable)) or "oc-bridge"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}
        started = time.monotonic()
        result = subprocess.run([exe, "--config", str(settings), "-q", "sync", "--json"],
                                env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if result.returncode not in (0, 4):
            print(result.stderr, file=sys.stderr)
            return result.returncode
        import json

        summary = json.loads(result.stdout)
        exported = summary["exported"]
        files = len(list((workdir / "out").glob("orders-*.csv")))
        lines = sum(o.line_count for o in sandbox.state.orders) if hasattr(
            sandbox.state.orders[0], "line_count") else None
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"orders seen:          {summary['orders_seen']}")
    print(f"orders exported:      {exported}  ({files} CSV files)")
    if lines is not None:
        print(f"order lines in total: {lines}")
    print(f"wall time:            {wall:.1f} s")
    print(f"orders per second:    {summary['orders_seen'] / wall:.0f} seen, "
          f"{exported / wall:.0f} exported  (target >= 200)")
    print(f"peak RSS of sync:     {peak_kib / 1024:.0f} MB  (target < 200 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
