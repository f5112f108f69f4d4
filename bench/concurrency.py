"""Benchmark: several oc-bridge processes on one ledger, started together, round after round.

The larger version of ``tests/e2e/test_concurrency.py`` (issue 10 §1): the sandbox runs in this
process; every round it gets new confirmed orders and a shipments file is dropped for every
order exported earlier; then ``--syncs`` x ``oc-bridge sync`` and ``--daemons`` x
``oc-bridge run`` start at random moments within ``--spread`` seconds over one SQLite ledger
and one CSV adapter's folders. Counted from the sandbox and the folders after every round and
printed at the end: rounds, processes, orders, order files, duplicate exports, parcels,
Orderchamp shipments, duplicate shipments, parked items, failed files, skipped jobs, wall time.
Exit status 1 when anything was duplicated, lost or parked.

Usage: python bench/concurrency.py [--rounds 10] [--syncs 3] [--daemons 2] [--orders 40]
       [--new-orders 10] [--spread 0.5] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from concurrency_harness import Scenario

from oc_bridge.sandbox import Sandbox, SandboxConfig

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--syncs", type=int, default=3, help="oc-bridge sync per round")
    parser.add_argument("--daemons", type=int, default=2, help="oc-bridge run per round")
    parser.add_argument("--orders", type=int, default=40, help="orders in the sandbox at start")
    parser.add_argument("--new-orders", type=int, default=10, help="new orders per round")
    parser.add_argument("--spread", type=float, default=0.5,
                        help="processes start at random moments within this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = SandboxConfig(orders=args.orders, seed=args.seed, throttle=False,
                           webhooks_enabled=False, large_order_rate=0.0, **FAST)
    with tempfile.TemporaryDirectory(prefix="oc-bridge-concurrency-") as tmp, \
            Sandbox(config) as sandbox:
        scenario = Scenario(Path(tmp), sandbox, syncs=args.syncs, daemons=args.daemons,
                            new_orders=args.new_orders, spread=args.spread, seed=args.seed)
        scenario.export_once()
        for number in range(1, args.rounds + 1):
            scenario.round()
            figures = scenario.count()
            print(f"round {number}: {figures.parcels} parcels, {figures.shipments} shipments, "
                  f"{figures.duplicate_shipments} duplicate, {figures.parked} parked, "
                  f"{figures.duplicate_exports} duplicate exports", flush=True)
        figures = scenario.count()
    print(f"\n{args.syncs} x sync + {args.daemons} x run per round, one SQLite ledger, CSV "
          "adapter, sandbox over loopback HTTP")
    for line in figures.lines():
        print(line)
    return 0 if figures.clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
