"""ACCEPTANCE (issue 14, fault tests): three ``oc-bridge run`` replicas on one PostgreSQL ledger,
a webhook burst spread over all three, one replica SIGKILLed mid-burst and another SIGKILLed
mid-shipment-pull: each order exported exactly once, each parcel shipped exactly once, every
claim of the dead replicas resumed exactly once.

Checked from outside the replicas: the CSV adapter's order files, the sandbox's orders and
shipments, and the ledger's claims, inbox and activity log (each claim takeover is an activity
entry naming the previous holder). The kills are real ``SIGKILL``s, sent when the ledger shows
the victim in the middle of its work (holding an order's inbox lease or export claim; holding a
parcel's shipment claim), so the test does not depend on luck to hit a dangerous moment.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from replica_harness import Cluster, Replica, wait_for

from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.store import Claim

pytestmark = pytest.mark.slow

ORDERS = 24
EVENTS = ("ORDER_CREATED", "ORDER_CONFIRMED")
FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=0, seed=14, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, **FAST)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def ledger_url(request: pytest.FixtureRequest) -> str:
    """The shared ledger: PostgreSQL (a fresh database of this test's own)."""
    return str(request.getfixturevalue("pg_store_url"))


def _kill_when(cluster: Cluster, victim: Replica, busy: Any, *, prefer: Any = None,
               prefer_for: float = 0.0, timeout: float = 45.0) -> list[Claim]:
    """SIGKILL ``victim`` as soon as ``busy()`` (or, during the first ``prefer_for`` seconds,
    ``prefer()``) says it is in the middle of its work; its claims as left behind."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        wanted = prefer if prefer is not None and time.monotonic() - began < prefer_for \
            else busy
        if wanted():
            cluster.kill(victim)
            return cluster.claims_of(victim)
        time.sleep(0.003)
    raise AssertionError(f"{victim.name} never got busy\n{cluster.logs()}")


def _burst(cluster: Cluster, orders: list[dict[str, Any]], accepted: list[str],
           errors: list[str]) -> None:
    """Every order's events, interleaved, posted at a pace that spreads them over a few
    seconds (the replicas start processing while the burst is still coming)."""
    events = [(order["id"], event) for order in orders for event in EVENTS]
    random.Random(3).shuffle(events)
    session = requests.Session()
    for order_id, event in events:
        try:
            replica, _ = cluster.post(order_id, event, session=session)
            accepted.append(replica.name)
        except AssertionError as exc:
            errors.append(str(exc))
        time.sleep(0.06)


def _shipments_rows(sandbox: Sandbox, orders: list[dict[str, Any]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for number, order in enumerate(orders):
        full = sandbox.get_order(order["id"])
        rows.extend({"order_number": full["number"], "sku": p["sku"],
                     "quantity": p["unshippedQuantity"], "carrier": "PostNL",
                     "tracking_number": f"3SREPL{number:04d}", "tracking_url": "https://postnl.nl/t",
                     "shipped_at": "2026-11-30T10:15:00Z", "estimated_transit_days": ""}
                    for p in full["products"] if p["unshippedQuantity"] > 0)
    return rows


def _resumed_once(cluster: Cluster, dead: Replica, held: list[Claim]) -> list[str]:
    """Problems: a claim the dead replica held that was not taken over exactly once, or that
    is still held in its name."""
    problems = []
    takeovers = cluster.takeovers()
    for claim in held:
        count = sum(1 for t in takeovers
                    if t.reference == claim.name and claim.owner in (t.message or ""))
        if count != 1:
            problems.append(f"{dead.name}'s {claim.name} taken over {count} times")
    left = [c.name for c in cluster.claims_of(dead)]
    if left:
        problems.append(f"{dead.name} still holds {left}")
    return problems


def test_three_replicas_two_killed_nothing_lost_nothing_twice(
        tmp_path: Path, sandbox: Sandbox, ledger_url: str) -> None:
    cluster = Cluster(tmp_path, sandbox, ledger_url, count=3, workers=2)
    try:
        cluster.start_all()
        first, second, third = cluster.replicas
        orders = [sandbox.create_order(lines=2) for _ in range(ORDERS)]
        ids = {order["id"] for order in orders}

        # --- 1. a webhook burst over all three; the first replica killed in the middle ---
        accepted: list[str] = []
        errors: list[str] = []
        burst = threading.Thread(target=_burst, args=(cluster, orders, accepted, errors))
        burst.start()
        held_first = _kill_when(
            cluster, first,
            busy=lambda: bool(cluster.leases_of(first)),
            prefer=lambda: any(c.name.startswith("export:") for c in cluster.claims_of(first)),
            prefer_for=8.0)
        leases_first = cluster.leases_of(first)
        burst.join(120)
        assert errors == [], errors
        assert len(accepted) == ORDERS * len(EVENTS)
        assert {"replica1", "replica2", "replica3"} <= set(accepted)  # spread over all three
        assert held_first or leases_first, "the first replica died idle"
        assert wait_for(lambda: set(cluster.order_files()) >= ids, 60), cluster.logs()
        assert wait_for(lambda: set(cluster.store.inbox_counts()) == {"done"}, 30), \
            cluster.store.inbox_counts()

        # --- 2. a shipments file; whoever pulls it is killed while it holds a parcel ---------
        sandbox.set_faults(latency_ms=40)  # each Orderchamp call takes a while
        cluster.drop_shipments("parcels.csv", _shipments_rows(sandbox, orders))
        pulling: list[Replica] = []

        def shipping() -> bool:
            for replica in (second, third):
                if any(c.name.startswith("shipment:") for c in cluster.claims_of(replica)):
                    pulling.append(replica)
                    return True
            return False

        deadline = time.monotonic() + 45
        while not shipping() and time.monotonic() < deadline:
            time.sleep(0.003)
        assert pulling, f"nobody pulled the shipments\n{cluster.logs()}"
        victim = pulling[0]
        cluster.kill(victim)
        held_victim = cluster.claims_of(victim)
        survivor = third if victim is second else second
        assert any(c.name.startswith("shipment:") for c in held_victim)
        assert any(c.name.startswith("job:shipments:") for c in held_victim)

        def all_shipped() -> bool:
            return all(len(s := sandbox.get_order(i)["shipments"]) >= 1
                       and all(x["isShipped"] for x in s) for i in ids)

        assert wait_for(all_shipped, 60), cluster.logs()
        assert wait_for(lambda: not list(cluster.inbound.glob("*.csv")), 30), cluster.logs()
        assert wait_for(lambda: not _resumed_once(cluster, victim, held_victim), 30), \
            _resumed_once(cluster, victim, held_victim)

        # --- what happened ----------------------------------------------------------------------
        files = cluster.order_files()
        assert {i: files[i] for i in ids if files[i] != 1} == {}, "exported more than once"
        shipments = {i: len(sandbox.get_order(i)["shipments"]) for i in ids}
        assert {i: n for i, n in shipments.items() if n != 1} == {}, "shipped more than once"
        assert _resumed_once(cluster, first, held_first) == []
        assert _resumed_once(cluster, victim, held_victim) == []
        assert cluster.store.list_parked() == []
        assert not list((cluster.inbound / "failed").glob("*")) \
            if (cluster.inbound / "failed").exists() else True
        assert survivor.running and survivor.ready()
        codes = cluster.stop_all()
        assert codes[survivor.name] == 0, cluster.logs()
    finally:
        cluster.close()
