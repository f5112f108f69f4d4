"""Several oc-bridge processes on one ledger, started together, round after round.

Used by ``tests/e2e/test_concurrency.py`` (small, in CI) and ``bench/concurrency.py`` (large).
Each round: new confirmed orders appear in the sandbox and a shipments file is dropped for
orders exported earlier (one tracked parcel per order: every line, or one unit of one line);
then ``syncs`` x ``oc-bridge sync`` and ``daemons`` x ``oc-bridge run`` start at random moments
within ``spread`` seconds, all over the same SQLite ledger and CSV folders. The syncs run to their
end; each daemon runs until the work of the round is done (every parcel shipped, every file
filed, every order exported), then gets SIGTERM. After each round the harness counts, from the
sandbox and the folders (not from the bridge's own word): Orderchamp shipments per order
beyond the parcels dropped for it, order files per (order, revision) beyond one, open parked
items, and shipment files moved to ``failed/``.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e_bridge import Bridge

from oc_bridge.sandbox import Sandbox

__all__ = ["Figures", "Scenario"]

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Figures:
    """What the rounds did and every duplicate or loss found."""

    rounds: int = 0
    processes: int = 0
    orders: int = 0
    parcels: int = 0
    shipments: int = 0
    duplicate_shipments: int = 0
    unshipped_parcels: int = 0
    order_files: int = 0
    duplicate_exports: int = 0
    unexported_orders: int = 0
    parked: int = 0
    failed_files: int = 0
    skipped_jobs: int = 0
    bad_exits: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def clean(self) -> bool:
        """Nothing duplicated, nothing lost, nothing parked, every process ended well."""
        return not (self.duplicate_shipments or self.unshipped_parcels or self.duplicate_exports
                    or self.unexported_orders or self.parked or self.failed_files
                    or self.bad_exits)

    def lines(self) -> list[str]:
        """A readable report."""
        return [
            f"rounds: {self.rounds}, processes started: {self.processes}, "
            f"wall time: {self.wall_seconds:.1f} s",
            f"orders: {self.orders}, order files: {self.order_files}, duplicate exports: "
            f"{self.duplicate_exports}, orders never exported: {self.unexported_orders}",
            f"parcels dropped: {self.parcels}, Orderchamp shipments: {self.shipments}, "
            f"duplicate shipments: {self.duplicate_shipments}, parcels not shipped: "
            f"{self.unshipped_parcels}",
            f"parked: {self.parked}, shipment files in failed/: {self.failed_files}, "
            f"jobs skipped (held by another process): {self.skipped_jobs}",
            f"processes that ended badly: {len(self.bad_exits)}",
            *(f"  - {bad}" for bad in self.bad_exits),
        ]


@dataclass
class Scenario:
    """One installation (settings, ledger, folders) shared by every process it starts."""

    root: Path
    sandbox: Sandbox
    syncs: int = 2
    daemons: int = 1
    new_orders: int = 3
    spread: float = 0.4
    seed: int = 0
    settle_timeout: float = 60.0
    figures: Figures = field(default_factory=Figures)
    _dropped: Counter[str] = field(default_factory=Counter)
    #: Shipments an order had in the sandbox's data before the bridge shipped anything of it.
    _before: Counter[str] = field(default_factory=Counter)
    _files: int = 0
    #: The port of each daemon process, by pid.
    _ports: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.bridge = Bridge(root=self.root, sandbox=self.sandbox)
        self.outbound, self.inbound = self.bridge.outbound, self.bridge.inbound
        self.ledger = self.root / "ledger.db"
        self.write_config()

    # --- set-up -------------------------------------------------------------------------------

    def write_config(self) -> None:
        """The one settings file; daemons get their port with ``--set``."""
        self.bridge.write_config("""
[daemon]
host = "127.0.0.1"
jitter_seconds = 0.0
shutdown_timeout = 10.0
workers = 1
""")

    def _env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}

    def start(self, *args: str) -> subprocess.Popen[str]:
        """``oc-bridge ARGS`` in a fresh process (stdout/stderr kept for the report)."""
        self.figures.processes += 1
        # A daemon reconciles once at start-up and pulls shipments every second.
        sets = ["--set", "sync.reconcile_interval=3600", "--set", "sync.shipments_interval=1"]
        port = _free_port() if args[0] == "run" else None
        if port is not None:
            sets += ["--set", f"daemon.port={port}"]
        process = subprocess.Popen(
            [sys.executable, "-m", "oc_bridge", "--config", str(self.bridge.config), *sets,
             *args],
            cwd=self.root, env=self._env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        if port is not None:
            self._ports[process.pid] = port
        return process

    def _wait_listening(self, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
        """Until the daemon answers /healthz (or ends): a SIGTERM before its handler is in
        place would end it by the signal, which says nothing about the bridge."""
        url = f"http://127.0.0.1:{self._ports[process.pid]}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.1)

    def export_once(self) -> None:
        """The first export, alone (the issue's set-up: export once, then drop files)."""
        process = self.start("sync", "--json")
        self._finish(process, "initial sync", timeout=120)

    # --- one round ------------------------------------------------------------------------------

    def round(self) -> None:
        """New orders, a shipments file, the processes started together; then the checks."""
        self.figures.rounds += 1
        for _ in range(self.new_orders):
            self.sandbox.create_order(lines=self.random.randint(1, 3))
        self._drop_parcels()
        starts = [("sync", "--json")] * self.syncs + [("run",)] * self.daemons
        self.random.shuffle(starts)
        delays = sorted(self.random.uniform(0, self.spread) for _ in starts)
        began = time.monotonic()
        running: list[tuple[str, subprocess.Popen[str]]] = []
        for args, delay in zip(starts, delays, strict=True):
            time.sleep(max(0.0, began + delay - time.monotonic()))
            running.append((" ".join(args), self.start(*args)))
        for name, process in running:
            if name.startswith("sync"):
                self._finish(process, f"round {self.figures.rounds} {name}", timeout=120)
        self._settle()
        for name, process in running:
            if name == "run":
                self._wait_listening(process)
                process.send_signal(signal.SIGTERM)
                self._finish(process, f"round {self.figures.rounds} run", timeout=30)
        self.figures.wall_seconds += time.monotonic() - began
        self.count()

    def _drop_parcels(self) -> None:
        rows: list[dict[str, Any]] = []
        for order in self._orders():
            if order["id"] in self._dropped:
                continue
            self._before[order["id"]] = len(order["shipments"])  # from the sandbox's data
            if not self._exported(order["id"]):
                continue
            products = [(p["sku"], p["unshippedQuantity"]) for p in order["products"]
                        if p["unshippedQuantity"] > 0]
            if not products:
                continue
            if products[0][1] > 1 and self.random.random() < 0.5:
                # Part of the order only: a second shipmentCreate of it would be accepted,
                # so a duplicate shows as a duplicate (a full one is refused and parked).
                products = [(products[0][0], 1)]
            self._dropped[order["id"]] += 1
            rows.extend({
                "order_number": order["number"], "sku": sku,
                "quantity": quantity, "carrier": "PostNL",
                "tracking_number": f"3S{order['number'][-6:]}R{self.figures.rounds}",
                "tracking_url": "https://postnl.nl/t", "shipped_at": "2026-11-27T10:15:00Z",
                "estimated_transit_days": ""} for sku, quantity in products)
        if rows:
            self._files += 1
            self.bridge.drop_shipments(f"ship-{self._files}.csv", rows)

    def _settle(self) -> None:
        """Wait until the round's work is done (a daemon may still be doing it)."""
        deadline = time.monotonic() + self.settle_timeout
        while time.monotonic() < deadline:
            if not list(self.inbound.glob("*.csv")) and self._all_shipped() \
                    and not self._unexported():
                return
            time.sleep(0.2)

    def _finish(self, process: subprocess.Popen[str], name: str, *, timeout: float) -> None:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            self.figures.bad_exits.append(f"{name}: did not end within {timeout:.0f} s")
            return
        # 0: all good; 4: something failed or was parked (counted by the checks themselves).
        if process.returncode not in (0, 4):
            tail = (err or out).strip().splitlines()[-3:]
            self.figures.bad_exits.append(f"{name}: exit {process.returncode}: {tail}")
        self.figures.skipped_jobs += (err + out).count("another process (")

    # --- checks -------------------------------------------------------------------------------

    def _orders(self) -> list[dict[str, Any]]:
        return [self.sandbox.get_order(o.id) for o in list(self.sandbox.state.orders)]

    def _files_per_revision(self) -> Counter[tuple[str, str]]:
        return self.bridge.order_files()

    def _exported(self, order_id: str) -> bool:
        return any(key[0] == order_id for key in self._files_per_revision())

    def _exportable(self) -> set[str]:
        return {o["id"] for o in self._orders()
                if o["isConfirmed"] and not o["isCancelled"]
                and o["status"] not in ("CANCELLED", "CANCELLATION_REQUESTED")
                and (any(p["unshippedQuantity"] > 0 for p in o["products"])
                     or o["id"] in self._dropped)}

    def _unexported(self) -> set[str]:
        exported = {order_id for order_id, _ in self._files_per_revision()}
        return self._exportable() - exported

    def _expected(self, order_id: str) -> int:
        """Shipments the order should have: those it had, plus one per parcel dropped."""
        return self._before[order_id] + self._dropped[order_id]

    def _all_shipped(self) -> bool:
        for order in self._orders():
            shipments = order["shipments"]
            if len(shipments) < self._expected(order["id"]) \
                    or not all(s["isShipped"] for s in shipments):
                return False
        return True

    def count(self) -> Figures:
        """Recount every figure from the sandbox, the folders and the ledger."""
        f = self.figures
        orders = self._orders()
        f.orders = len(self._exportable())
        f.parcels = sum(self._dropped.values())
        f.shipments = sum(len(o["shipments"]) - self._before[o["id"]] for o in orders)
        f.duplicate_shipments = sum(max(0, len(o["shipments"]) - self._expected(o["id"]))
                                    for o in orders)
        f.unshipped_parcels = sum(
            max(0, self._expected(o["id"]) - sum(1 for s in o["shipments"] if s["isShipped"]))
            for o in orders)
        files = self._files_per_revision()
        f.order_files = sum(files.values())
        f.duplicate_exports = sum(n - 1 for n in files.values())
        f.unexported_orders = len(self._unexported())
        with sqlite3.connect(self.ledger) as db:
            f.parked = int(db.execute(
                "SELECT COUNT(*) FROM parked WHERE resolved_at IS NULL").fetchone()[0])
        f.failed_files = len([p for p in (self.inbound / "failed").glob("*.csv")]) \
            if (self.inbound / "failed").is_dir() else 0
        return f
