"""Stock push rules in-process: a failed (ambiguous) batch is not recorded and goes out again
with the same absolute figures; a failing adapter stops the whole push."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext, Capability
from oc_bridge.canonical import StockLevel
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.stock import StockSync
from oc_bridge.errors import AmbiguousMutationError, TransientError
from oc_bridge.settings import Settings
from oc_bridge.store import SqliteStore


class Shelf(Adapter):
    name: ClassVar[str] = "shelf"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.STOCK_LEVELS})

    def __init__(self, levels: dict[str, int], instance: str = "wh") -> None:
        super().__init__(AdapterConfig(), AdapterContext(instance=instance, state_dir=Path(".")))
        self.levels = levels
        self.broken = False

    def fetch_stock(self) -> Iterable[StockLevel]:
        if self.broken:
            raise TransientError("warehouse down")
        return [StockLevel(sku=s, available=q) for s, q in self.levels.items()]


class Inventory:
    """Records every bulk call; ``fail`` makes the next call ambiguous."""

    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.fail = False

    def bulk_adjust_inventory(self, levels: Sequence[Mapping[str, Any]], *,
                              client_mutation_id: str | None = None) -> dict[str, Any]:
        self.calls.append([dict(x) for x in levels])
        if self.fail:
            self.fail = False
            raise AmbiguousMutationError("timed out after sending")
        return {"inventoryLevels": [], "userErrors": []}


def _sync(store: SqliteStore, client: Inventory, adapters: dict[str, Adapter]) -> StockSync:
    ctx = EngineContext(settings=Settings(), client=client, store=store,  # type: ignore[arg-type]
                        adapters=adapters, hooks=None)  # type: ignore[arg-type]
    return StockSync(ctx)


def test_ambiguous_batch_is_resent_with_set_and_figures_sum(tmp_path: Path) -> None:
    client = Inventory()
    adapters: dict[str, Adapter] = {"a": Shelf({"X": 2, "Y": -3}, "a"), "b": Shelf({"X": 5}, "b")}
    with SqliteStore(tmp_path / "l.db") as store:
        client.fail = True
        first = _sync(store, client, adapters).run()
        assert first.errors and first.pushed == 0 and store.stock_pushes() == {}
        second = _sync(store, client, adapters).run()
        assert second.pushed == 2 and not second.errors
        assert client.calls[0] == client.calls[1] == [
            {"sku": "X", "action": "SET", "adjustment": 7},
            {"sku": "Y", "action": "SET", "adjustment": 0}]
        assert all(item["action"] == "SET" for call in client.calls for item in call)


def test_a_failing_adapter_stops_the_push(tmp_path: Path) -> None:
    client = Inventory()
    broken = Shelf({"X": 1}, "b")
    broken.broken = True
    with SqliteStore(tmp_path / "l.db") as store:
        summary = _sync(store, client, {"a": Shelf({"X": 2}, "a"), "b": broken}).run()
    assert client.calls == [] and summary.exit_code == 4
    assert "nothing pushed" in summary.errors[0]
