"""Confirmations, invoice hand-overs and stock pushes are claimed like exports and shipments:
while another process holds one, ``oc-bridge sync`` (a subprocess) leaves it alone and says so;
once the claim is given back, the next run does it exactly once."""

from __future__ import annotations

from workflow_bridge import WorkflowBridge

from oc_bridge.store import SqliteStore

ELSEWHERE = "other-host:4242:beef"


def _claim(bridge: WorkflowBridge, name: str) -> None:
    with SqliteStore(bridge.root / "ledger.db") as store:
        assert store.claim(name, ELSEWHERE, lease_seconds=600)


def _release(bridge: WorkflowBridge, name: str) -> None:
    with SqliteStore(bridge.root / "ledger.db") as store:
        assert store.release_claim(name, ELSEWHERE)


def test_a_confirmation_held_elsewhere_is_left_to_its_holder(bridge: WorkflowBridge) -> None:
    bridge.write_config(sync='auto_confirm = "when-in-stock"')
    sku = bridge.sandbox.state.variants[0].sku
    bridge.write_stock({sku: 1000})
    order = bridge.sandbox.create_order(confirmed=False, skus=[sku])
    bridge.run_json("status", "--json")  # creates the ledger
    _claim(bridge, f"confirm:{order['id']}")
    held = bridge.run_json("sync", "--json")
    assert (held["confirmed"], held["exported"], held["held_elsewhere"]) == (0, 0, 1)
    assert not bridge.order(order["id"])["isConfirmed"]
    _release(bridge, f"confirm:{order['id']}")
    done = bridge.run_json("sync", "--json")
    assert (done["confirmed"], done["exported"], done["held_elsewhere"]) == (1, 1, 0)


def test_an_invoice_held_elsewhere_is_handed_over_once_released(bridge: WorkflowBridge) -> None:
    order = bridge.sandbox.create_order(confirmed=True, lines=1)
    bridge.run_json("status", "--json")
    with bridge.client() as client:
        [invoice_id] = [i.id for i in client.order_invoices(order["id"])]
    _claim(bridge, f"invoice:csv:{invoice_id}")
    held = bridge.run_json("sync", "--json")
    assert (held["exported"], held["invoices_delivered"], held["held_elsewhere"]) == (1, 0, 1)
    assert not list(bridge.invoices_dir.glob("*.csv"))
    _release(bridge, f"invoice:csv:{invoice_id}")
    done = bridge.run_json("sync", "--order", order["id"], "--json")
    assert done["invoices_delivered"] == 1 and len(list(bridge.invoices_dir.glob("*.csv"))) == 1


def test_a_stock_push_another_process_runs_is_skipped(bridge: WorkflowBridge) -> None:
    sku = bridge.sandbox.state.variants[0].sku
    bridge.write_stock({sku: 7})
    bridge.run_json("status", "--json")
    _claim(bridge, "job:stock")
    skipped = bridge.run_json("stock", "sync", "--json")
    assert skipped["pushed"] == 0 and skipped["skipped"] == [
        f"stock: another process ({ELSEWHERE}) is pushing it"]
    _release(bridge, "job:stock")
    assert bridge.run_json("stock", "sync", "--json")["pushed"] == 1
