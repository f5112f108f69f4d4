"""ACCEPTANCE (issue 12): an adapter raising anything other than oc-bridge's errors from any
method never ends ``oc-bridge sync`` with a traceback.

A third-party adapter package (``faulty``, installed into a folder on ``PYTHONPATH`` with its
own dist-info and ``oc_bridge`` entry point, exactly like a real distribution) raises
``ValueError``, ``KeyError``, ``JSONDecodeError`` or ``OSError`` from every method. ``sync`` as
a subprocess finishes, prints its summary, exits 4; the CSV adapter configured next to it
exports every order and reports its parcel; each failure is a parked or failed item naming the
``faulty`` instance; the traceback is in the log (stderr), never on stdout.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from e2e_bridge import Bridge
from test_sync_acceptance import assert_ok, exportable, orders, parcel

pytestmark = pytest.mark.slow

FAULTY_MODULE = '''
"""An adapter that raises a foreign exception from every method."""

import json
from typing import ClassVar

from oc_bridge.adapter import Adapter, AdapterConfig, Capability
from oc_bridge.plugins import hookimpl


class FaultyConfig(AdapterConfig):
    error: str = "ValueError"


def fail(kind, where):
    if kind == "ValueError":
        raise ValueError(f"unexpected value in {where}")
    if kind == "KeyError":
        raise KeyError(where)
    if kind == "JSONDecodeError":
        json.loads('{"half": ')
    raise OSError(5, "Input/output error", where)


class FaultyAdapter(Adapter[FaultyConfig]):
    name: ClassVar[str] = "faulty"
    Config: ClassVar[type[AdapterConfig]] = FaultyConfig
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def submit_order(self, order):
        fail(self.config.error, "submit_order")

    def update_order(self, order, external_id):
        fail(self.config.error, "update_order")

    def cancel_order(self, order, external_id, reason):
        fail(self.config.error, "cancel_order")

    def fetch_shipments(self, cursor):
        fail(self.config.error, "fetch_shipments")

    def acknowledge_shipments(self, pull, outcomes):
        fail(self.config.error, "acknowledge_shipments")

    def fetch_stock(self):
        fail(self.config.error, "fetch_stock")

    def receive_invoice(self, invoice):
        fail(self.config.error, "receive_invoice")

    def receive_customers(self, customers):
        fail(self.config.error, "receive_customers")

    def expected_delivery(self, reference, number, external_id):
        fail(self.config.error, "expected_delivery")

    def check(self):
        fail(self.config.error, "check")

    def close(self):
        fail(self.config.error, "close")


@hookimpl
def oc_bridge_register_adapters(register):
    register(FaultyAdapter)
'''


def install_faulty(site: Path) -> None:
    """Install the ``faulty`` distribution into ``site`` (module, METADATA, entry point)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "oc_bridge_faulty.py").write_text(textwrap.dedent(FAULTY_MODULE), encoding="utf-8")
    info = site / "oc_bridge_faulty-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: oc-bridge-faulty\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[oc_bridge]\nfaulty = oc_bridge_faulty\n",
                                           encoding="utf-8")


@pytest.mark.parametrize("error", ["ValueError", "KeyError", "JSONDecodeError", "OSError"])
def test_foreign_exceptions_never_end_sync(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch, error: str
) -> None:
    install_faulty(bridge.root / "site")
    monkeypatch.setenv("PYTHONPATH", str(bridge.root / "site"))
    # The faulty instance comes first, so the CSV adapter's work happens after its failures.
    text = bridge.config.read_text(encoding="utf-8")
    bridge.config.write_text(text.replace(
        "[adapters.csv]", f'[adapters.faulty]\nerror = "{error}"\n\n[adapters.csv]'),
        encoding="utf-8")
    expected = exportable(bridge)

    first = bridge.run("sync", "--json")
    assert_ok(first, 4)
    summary = json.loads(first.stdout)  # the whole stdout is the summary: no traceback
    assert summary["exit_code"] == 4
    assert {order_id for order_id, _ in bridge.order_files()} == expected  # CSV did its work
    assert summary["exported"] == len(expected)
    assert summary["parked"] == len(expected)  # each order, at the faulty instance only
    for reason in summary["parked_reasons"]:
        assert "to faulty failed: adapter faulty: submit_order raised " + error in reason
    assert any(e.startswith("faulty: reading shipments failed: adapter faulty: "
                            f"fetch_shipments raised {error}") for e in summary["errors"])
    assert "Traceback" in first.stderr and "Traceback" not in first.stdout
    parked = json.loads(bridge.run("parked", "--json", "--limit", "0").stdout)["items"]
    assert {(p["kind"], p["instance"]) for p in parked} == {("order", "faulty")}

    shipped = next(o for o in orders(bridge) if o["id"] in expected)
    bridge.drop_shipments("ship-1.csv", parcel(shipped))
    second = bridge.run("sync")
    assert_ok(second, 4)
    assert second.stdout.startswith("sync finished")
    assert "shipments reported: 1" in second.stdout  # the CSV adapter's parcel went through
    assert "Traceback" not in second.stdout
    assert bridge.sandbox.get_order(shipped["id"])["shipments"]
