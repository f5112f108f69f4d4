"""Benchmark: Orderchamp API points spent per order by reconciliation and webhooks.

Starts the sandbox in this process (1,000 orders with its realistic line-count mix: about 7
lines on average, 5% with one or two, 1% with over a hundred), runs the real engine (CSV
adapter, SQLite ledger in a temporary folder) and prints, from the client's own accounting of
actual cost:

- points per new order (first sync), per changed order (incremental sync after retailer
  edits), per unchanged order on `--full`, per webhook-driven order;
- next to each, the cost of the fields the bridge needs for those orders, computed from the
  cost rule: the OrderLean document (whose field list tests/engine/test_lean_document.py pins
  to what the mapping, export rules, auto-confirm and shipment checks read) with exactly the
  order's lines, minus `productsCount` (read only to size the line page);
- a throttled first sync (Orderchamp's 1000-point bucket, 50 points/s): wall time against the
  budget's minimum, and how many answers were `Throttled`.

Targets: new or changed <= 1.1x the needed fields' cost; unchanged <= 8 points; throttled wall
<= 1.15x the minimum; 0 Throttled answers.

Usage: python bench/api_cost.py [--orders 1000] [--changed 100] [--throttled-orders 200]
The throttled part takes about as long as its minimum (a few minutes at 50 points/s).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from oc_bridge.engine import SyncEngine
from oc_bridge.orderchamp.cost import requested_cost
from oc_bridge.orderchamp.execution import ClientStats
from oc_bridge.orderchamp.operations import load_operation
from oc_bridge.runtime import Runtime, open_runtime
from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.settings import Settings

#: Fields OrderLean fetches that only the client reads (to size the line page).
CLIENT_ONLY_FIELDS = 1


def needed_cost(lines: int) -> int:
    """Points for the fields the bridge reads of one order with ``lines`` lines."""
    return requested_cost(load_operation("OrderLean").document,
                          {"productsFirst": lines}) - CLIENT_ONLY_FIELDS


def _settings(sandbox: Sandbox, root: Path, *, fast: bool) -> Settings:
    rate = 1_000_000.0 if fast else sandbox.config.restore_rate
    return Settings(
        orderchamp={"api_url": sandbox.url, "token": "bench", "restore_rate": rate,
                    "bucket_size": sandbox.config.bucket_size},
        store={"url": f"sqlite:///{root / 'ledger.sqlite3'}"},
        adapters={"csv": {"type": "csv", "outbound_dir": str(root / "out"),
                          "inbound_dir": str(root / "in")}},
    )


class Meter:
    """Records which orders the client fetched in full, and the stats around a phase."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.fetched: list[str] = []
        execute = runtime.client.execute

        def recording(name: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
            if name in ("OrderLean", "OrderLeanPaged") and variables:
                self.fetched.append(str(variables["id"]))
            return execute(name, variables)

        runtime.client.execute = recording  # type: ignore[method-assign]

    def phase(self, work: Callable[[], object]) -> tuple[ClientStats, list[str], float]:
        before, fetched_before = self.runtime.client.stats.snapshot(), len(self.fetched)
        started = time.monotonic()
        work()
        wall = time.monotonic() - started
        return (self.runtime.client.stats.since(before), self.fetched[fetched_before:], wall)


def _line_counts(sandbox: Sandbox) -> dict[str, int]:
    return {order.id: len(order.lines) for order in sandbox.state.orders}


def _report(label: str, spent: ClientStats, per: int, needed: float | None, target: str) -> None:
    points = spent.points_spent / per if per else 0.0
    ratio = f"  = {points / needed:.2f}x the needed {needed:.1f}" if needed else ""
    print(f"{label:<34} {points:7.1f} points/order over {per:4d} orders{ratio}  ({target})")
    operations = ", ".join(f"{name} {totals['points']}" for name, totals
                           in sorted(spent.by_operation.items()))
    print(f"{'':<34} by operation: {operations}")


def _needed(ids: list[str], lines: dict[str, int]) -> float:
    unique = list(dict.fromkeys(ids))
    return sum(needed_cost(lines[i]) for i in unique) / len(unique) if unique else 0.0


def cost_per_order(args: argparse.Namespace) -> None:
    config = SandboxConfig(orders=args.orders, seed=args.seed, throttle=False,
                           webhooks_enabled=False, restore_rate=1_000_000.0)
    root = Path(tempfile.mkdtemp(prefix="oc-bridge-api-cost-"))
    try:
        with Sandbox(config) as sandbox, \
                open_runtime(_settings(sandbox, root, fast=True)) as runtime:
            lines = _line_counts(sandbox)
            meter = Meter(runtime)
            engine: SyncEngine = runtime.engine()
            print(f"{args.orders} sandbox orders, {sum(lines.values()) / len(lines):.1f} lines "
                  f"on average (largest {max(lines.values())})")

            spent, fetched, _ = meter.phase(engine.reconcile)
            _report("new orders (first sync)", spent, len(set(fetched)),
                    _needed(fetched, lines), "target <= 1.1x")

            rng = random.Random(args.seed)
            exported = sorted({r.order_id for r in runtime.store.list_exports()})
            edited = rng.sample(exported, min(args.changed, len(exported)))
            for order_id in edited:
                sandbox.update_order(order_id, note=f"please ring twice ({order_id})")
                time.sleep(args.edit_gap)
            spent, fetched, _ = meter.phase(engine.reconcile)
            _report("changed orders (incremental)", spent, len(edited),
                    _needed(edited, lines), "target <= 1.1x")

            spent, fetched, _ = meter.phase(lambda: engine.reconcile(full=True))
            seen = args.orders
            _report("unchanged orders (--full)", spent, seen, None, "target <= 8 points")

            hooked = rng.sample(exported, min(args.changed, len(exported)))
            for order_id in hooked:
                sandbox.update_order(order_id, note=f"webhook edit ({order_id})")
                time.sleep(args.edit_gap)

            def webhooks() -> None:
                for order_id in hooked:
                    engine.process_order(order_id)

            spent, fetched, _ = meter.phase(webhooks)
            _report("webhook-driven orders", spent, len(hooked), _needed(hooked, lines),
                    "target <= 1.1x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def throttled(args: argparse.Namespace) -> None:
    config = SandboxConfig(orders=args.throttled_orders, seed=args.seed + 1, throttle=True,
                           webhooks_enabled=False, bucket_size=1000,
                           restore_rate=args.restore_rate)
    root = Path(tempfile.mkdtemp(prefix="oc-bridge-api-cost-"))
    try:
        with Sandbox(config) as sandbox, \
                open_runtime(_settings(sandbox, root, fast=False)) as runtime:
            started = time.monotonic()
            summary = runtime.engine().reconcile()
            wall = time.monotonic() - started
            stats = sandbox.stats
    finally:
        shutil.rmtree(root, ignore_errors=True)
    spent = stats["points_spent"]
    minimum = max(spent - config.bucket_size, 0) / config.restore_rate
    print(f"throttled first sync of {args.throttled_orders} orders "
          f"({summary.exported} exported): wall {wall:.1f} s, {spent} points spent, "
          f"minimum {minimum:.1f} s = ({spent} - {config.bucket_size}) / "
          f"{config.restore_rate:g} points/s")
    ratio = wall / minimum if minimum else float("nan")
    print(f"  ratio to minimum: {ratio:.3f}x (target <= 1.15x); Throttled answers: "
          f"{stats['throttled']} (target 0)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="0 skips the cost phases")
    parser.add_argument("--changed", type=int, default=100,
                        help="orders edited before the incremental and the webhook phases")
    parser.add_argument("--edit-gap", type=float, default=0.002,
                        help="seconds between two retailer edits (0: a burst within one "
                             "millisecond, which the listing pages by cursor as a tie)")
    parser.add_argument("--throttled-orders", type=int, default=200,
                        help="orders of the throttled run (0 skips it)")
    parser.add_argument("--restore-rate", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.orders:
        cost_per_order(args)
    if args.throttled_orders:
        throttled(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
