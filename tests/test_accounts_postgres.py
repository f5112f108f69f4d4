"""Several accounts over one PostgreSQL database: each account's ledger in its own schema,
created by ``oc-bridge --account NAME db upgrade``; nothing of one account is seen by another."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from oc_bridge.accounts import account_settings
from oc_bridge.cli import CliEnv, main
from oc_bridge.settings import load_settings
from oc_bridge.store import open_store

pytestmark = pytest.mark.postgres

CONFIG = """
[store]
url = "{url}"

[accounts.shop_a]
account_id = "QWNjb3VudDox"
token = "token-a"
adapters = ["csv_a"]

[accounts.shop-b]
account_id = "QWNjb3VudDoy"
token = "token-b"
adapters = ["csv_b"]

[adapters.csv_a]
type = "csv"
[adapters.csv_b]
type = "csv"
"""


def _cli(config: Path, *argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = main(["--config", str(config), *argv], CliEnv(stdout=out, stderr=err, environ={}))
    return code, out.getvalue(), err.getvalue()


def test_each_account_has_its_own_schema(tmp_path: Path, pg_database: str) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(CONFIG.format(url=pg_database), encoding="utf-8")
    settings = load_settings(config, environ={})
    a_url = account_settings(settings, "shop_a").store.url
    b_url = account_settings(settings, "shop-b").store.url
    assert a_url.endswith("options=-csearch_path%3Doc_shop_a")
    assert b_url.endswith("options=-csearch_path%3Doc_shop_b")
    # a command on one account needs its schema upgraded first, and says how
    code, _, err = _cli(config, "--account", "shop_a", "status")
    assert code == 2, err
    assert "db upgrade" in err
    for name in ("shop_a", "shop-b"):
        code, _, err = _cli(config, "--account", name, "db", "upgrade")
        assert code == 0, err
    with open_store(a_url) as store:
        store.set_cursor("orders", "2026-01-01T00:00:00Z")
    with open_store(b_url) as store:
        assert store.get_cursor("orders") is None
    with open_store(a_url) as store:
        assert store.get_cursor("orders") == "2026-01-01T00:00:00Z"
    code, out, err = _cli(config, "status")
    assert code == 0, err
    assert "== account shop-b" in out and "== account shop_a" in out
