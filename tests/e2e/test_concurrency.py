"""ACCEPTANCE (issue 10 §1): ``oc-bridge sync`` x 2 and ``oc-bridge run`` started together over
one SQLite ledger, the CSV adapter and the sandbox over loopback HTTP, round after round with
random timing: no Orderchamp shipment and no export is ever made twice, and no correct parcel
is parked. ``bench/concurrency.py`` runs the larger version and prints the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from concurrency_harness import Scenario
from e2e_bridge import FAST

from oc_bridge.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.slow

ROUNDS = 3


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=10, seed=23, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, **FAST)
    with Sandbox(config) as sb:
        yield sb


def test_two_syncs_and_a_daemon_never_do_anything_twice(tmp_path: Path,
                                                        sandbox: Sandbox) -> None:
    scenario = Scenario(tmp_path, sandbox, syncs=2, daemons=1, new_orders=3, seed=10)
    scenario.export_once()
    for _ in range(ROUNDS):
        scenario.round()
        figures = scenario.count()
        report = "\n".join(figures.lines())
        assert figures.parcels > 0, report
        assert (figures.duplicate_shipments, figures.duplicate_exports) == (0, 0), report
        assert (figures.parked, figures.failed_files) == (0, 0), report
        assert (figures.unshipped_parcels, figures.unexported_orders) == (0, 0), report
        assert figures.bad_exits == [], report
