"""``oc-bridge demo``: the whole loop against a local sandbox, step by step.

It starts a sandbox (a local Orderchamp), writes a settings file for the CSV adapter into a
work folder, runs the real ``sync`` command, plays the warehouse by writing a shipments file
from the order files it received (with one deliberately bad row, to show parking), syncs again
and shows the orders ``AWAITING_DELIVERY`` in Orderchamp. Every step runs the same commands a
user would, so the demo also proves the installation works.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from oc_bridge.cli.env import CliEnv, ExitCode


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="run the end-to-end demo against a local sandbox",
        description="Start a local Orderchamp sandbox, sync its confirmed orders into a CSV "
        "folder, simulate the warehouse shipping them by dropping a shipments file (one row "
        "deliberately wrong, to show how bad input is parked), sync again and show the orders "
        "now AWAITING_DELIVERY. Uses only the real commands; leaves the work folder behind so "
        "you can look at the files.",
    )
    parser.add_argument(
        "--dir", metavar="PATH", help="work folder (default: a new temporary folder)"
    )
    parser.add_argument("--orders", type=int, default=30, help="orders in the sandbox (30)")
    parser.add_argument("--seed", type=int, default=1, help="sandbox data seed (1)")
    parser.set_defaults(handler=run)


class _Demo:
    def __init__(self, env: CliEnv, workdir: Path, api_url: str) -> None:
        self.env = env
        self.workdir = workdir
        self.config = workdir / "settings.toml"
        self.outbound = workdir / "csv" / "outbound"
        self.inbound = workdir / "csv" / "inbound"
        self.environ = {"OC_BRIDGE_ORDERCHAMP__TOKEN": "demo-token"}
        self.config.write_text(
            "# Written by `oc-bridge demo`.\n"
            f'[orderchamp]\napi_url = "{api_url}"\n\n'
            f'[store]\nurl = "sqlite:///{(workdir / "ledger.sqlite3").as_posix()}"\n\n'
            "[adapters.csv]\n"
            f'outbound_dir = "{self.outbound.as_posix()}"\n'
            f'inbound_dir = "{self.inbound.as_posix()}"\n'
            'delimiter = ";"\nencoding = "utf-8-sig"\n',
            encoding="utf-8",
        )

    def step(self, number: int, title: str) -> None:
        self.env.out()
        self.env.out(f"== Step {number}: {title}")

    def cli(self, *argv: str) -> tuple[int, str]:
        """Run one real command; echo it and its output."""
        from oc_bridge.cli import main

        self.env.out(f"$ oc-bridge --config {self.config.name} {' '.join(argv)}")
        out, err = io.StringIO(), io.StringIO()
        code = main(["--config", str(self.config), "-q", *argv],
                    env=CliEnv(stdout=out, stderr=err, environ=self.environ))
        for line in (out.getvalue() + err.getvalue()).rstrip().splitlines():
            self.env.out(f"  {line}")
        self.env.out(f"  (exit code {code})")
        return code, out.getvalue()


def _write_shipments(outbound: Path, inbound: Path,
                     untouched: Callable[[str], bool]) -> tuple[list[str], str]:
    """Play the warehouse: ship every order file received whose order had no shipment yet
    (``untouched``), one parcel per order; the last one gets a wrong quantity (5 more than
    ordered) so the demo shows parking."""
    lines_by_order: dict[str, list[dict[str, str]]] = defaultdict(list)
    for path in sorted(outbound.glob("orders-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                if untouched(row["order_number"]):
                    lines_by_order[row["order_number"]].append(row)
    inbound.mkdir(parents=True, exist_ok=True)
    target = inbound / "shipments-demo.csv"
    temporary = inbound / ".shipments-demo.csv.tmp"
    columns = ["order_number", "sku", "quantity", "carrier", "tracking_number",
               "tracking_url", "shipped_at"]
    numbers = sorted(lines_by_order)
    bad_order = numbers[-1] if numbers else ""
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for index, number in enumerate(numbers):
            tracking = f"3SDEMO{index:07d}"
            for row in lines_by_order[number]:
                quantity = row["quantity"]
                if number == bad_order and row is lines_by_order[number][0]:
                    quantity = str(int(quantity) + 5)  # the warehouse's typo
                writer.writerow([number, row["sku"], quantity, "PostNL", tracking,
                                 f"https://postnl.example/track/{tracking}",
                                 "2026-11-27T10:00:00+01:00"])
    temporary.replace(target)
    return numbers, bad_order


def run(args: argparse.Namespace, env: CliEnv) -> int:
    """Run the demo; exit 0 when every step turned out as the demo expects."""
    from oc_bridge.sandbox import Sandbox, SandboxConfig

    workdir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="oc-bridge-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    config = SandboxConfig(orders=args.orders, seed=args.seed, webhooks_enabled=False)
    with Sandbox(config).start(host="127.0.0.1", port=0) as sandbox:
        demo = _Demo(env, workdir.resolve(), sandbox.url)
        env.out(f"oc-bridge demo — work folder: {demo.workdir}")
        env.out(f"A local Orderchamp sandbox is serving {args.orders} orders at {sandbox.url}")

        demo.step(1, "check the set-up (configuration, token, API schema, adapter)")
        code, _ = demo.cli("doctor")
        if code != ExitCode.OK:
            return ExitCode.ERROR

        demo.step(2, "the orders waiting to be fulfilled in Orderchamp")
        demo.cli("orders", "list", "--unfulfilled")

        demo.step(3, "sync: confirmed orders go to the CSV folder, exactly once")
        code, _ = demo.cli("sync")
        files = sorted(demo.outbound.glob("orders-*.csv"))
        env.out(f"  -> {len(files)} order file(s) in {demo.outbound}")
        if code != ExitCode.OK or not files:
            return ExitCode.ERROR

        demo.step(4, "the warehouse ships them and drops a shipments file")
        shipped, bad_order = _write_shipments(
            demo.outbound, demo.inbound, lambda number: not sandbox.get_order(number)["shipments"]
        )
        env.out(f"  wrote {demo.inbound / 'shipments-demo.csv'}: {len(shipped)} parcel(s); order "
                f"{bad_order} has a row with 5 more than was ordered")

        demo.step(5, "sync again: shipments are reported to Orderchamp; the bad one is parked")
        code, _ = demo.cli("sync")
        if code != ExitCode.PARTIAL:
            env.err("expected exit code 4 (something parked)")
            return ExitCode.ERROR
        demo.cli("parked")
        failed = sorted((demo.inbound / "failed").glob("*"))
        env.out(f"  -> the file went to {demo.inbound / 'failed'} with an error report: "
                + ", ".join(p.name for p in failed))

        demo.step(6, "Orderchamp now shows the orders on their way")
        demo.cli("orders", "list", "--limit", "8")
        delivering = {number for number in shipped
                      if sandbox.get_order(number)["status"] == "AWAITING_DELIVERY"}
        good = set(shipped) - {bad_order}
        env.out(f"  -> {len(good & delivering)} of the {len(good)} orders shipped without "
                f"problems are AWAITING_DELIVERY; {bad_order} waits for a human")

        demo.step(7, "sync once more: nothing is done twice")
        demo.cli("sync")
        demo.cli("status")

    env.out()
    env.out(f"Done. Everything is in {demo.workdir}:")
    env.out("  settings.toml                    the configuration the demo used")
    env.out("  csv/outbound/                    one order file per order (;-separated, BOM)")
    env.out("  csv/inbound/failed/*.errors.txt  what was wrong with the shipments file")
    env.out("  ledger.sqlite3                   what the bridge did (oc-bridge status, parked)")
    ok = bool(good) and good <= delivering and bad_order not in delivering
    return ExitCode.OK if ok else ExitCode.ERROR
