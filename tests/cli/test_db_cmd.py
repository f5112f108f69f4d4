"""``oc-bridge db status|upgrade|migrate-from``, in-process and as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from oc_bridge.cli import CliEnv, ExitCode, main
from oc_bridge.store import SqliteStore, open_store
from oc_bridge.store.schema import LATEST_VERSION


def run(argv: list[str], store_url: str) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(),
                 environ={"OC_BRIDGE_STORE__URL": store_url})
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def run_subprocess(argv: list[str], store_url: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "OC_BRIDGE_STORE__URL": store_url}
    environ.pop("OC_BRIDGE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "oc_bridge", *argv], capture_output=True,
                          text=True, env=environ, check=False, timeout=120)


def test_sqlite_status_and_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    code, out, _ = run(["db", "status", "--json"], url)
    status = json.loads(out)
    assert code == ExitCode.OK  # SQLite migrates itself: usable as it is
    assert (status["backend"], status["version"], status["state"]) == ("sqlite", 0, "empty")
    code, out, _ = run(["db", "upgrade", "--dry-run"], url)
    assert code == ExitCode.OK and "would apply 1:" in out and "nothing changed" in out
    assert not (tmp_path / "ledger.db").exists()
    code, out, _ = run(["db", "upgrade"], url)
    assert code == ExitCode.OK and f"-> {LATEST_VERSION}" in out
    code, out, _ = run(["db", "upgrade"], url)
    assert code == ExitCode.OK and "up to date" in out


def test_postgres_upgrade_as_a_subprocess(pg_database: str) -> None:
    code, out, _ = run(["db", "status"], pg_database)
    assert code == ExitCode.CONFIG and "run `oc-bridge db upgrade`" in out
    code, _, err = run(["status"], pg_database)  # the bridge refuses to start on it
    assert code == ExitCode.CONFIG and "oc-bridge db upgrade" in err
    done = run_subprocess(["db", "upgrade", "--json"], pg_database)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [s["version"] for s in report["applied"]] == list(range(1, LATEST_VERSION + 1))
    assert report["after"]["state"] == "current"
    code, out, _ = run(["db", "status", "--json"], pg_database)
    assert code == ExitCode.OK and json.loads(out)["version"] == LATEST_VERSION
    code, out, _ = run(["status", "--json"], pg_database)
    assert code == ExitCode.OK


def test_migrate_from_as_a_subprocess(tmp_path: Path, pg_database: str) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    with SqliteStore(ledger) as store:
        store.set_cursor("orders", "c1")
        store.claim("job:x", "h:1:a", lease_seconds=60)
    source = f"sqlite:///{ledger}"
    dry = run_subprocess(["db", "migrate-from", source, "--dry-run"], pg_database)
    assert dry.returncode == 0, dry.stderr
    assert "dry run, rolled back" in dry.stdout
    moved = run_subprocess(["db", "migrate-from", source, "--json"], pg_database)
    assert moved.returncode == 0, moved.stderr
    tables = {t["table"]: t["rows"] for t in json.loads(moved.stdout)["tables"]}
    assert tables["cursors"] == 1 and tables["claims"] == 1 and tables["exports"] == 0
    assert "cursors: 1 rows copied" in moved.stderr  # progress on stderr
    again = run_subprocess(["db", "migrate-from", source], pg_database)
    assert again.returncode == ExitCode.CONFIG and "--replace" in again.stderr
    replaced = run_subprocess(["db", "migrate-from", source, "--replace"], pg_database)
    assert replaced.returncode == 0 and "emptied first" in replaced.stdout
    with open_store(pg_database) as store:
        assert store.get_cursor("orders") == "c1"


def test_migrate_from_needs_a_postgres_target(tmp_path: Path) -> None:
    code, _, err = run(["db", "migrate-from", f"sqlite:///{tmp_path / 'a.db'}"],
                       f"sqlite:///{tmp_path / 'b.db'}")
    assert code == ExitCode.CONFIG and "postgresql://" in err


def test_every_account_ledger_without_account(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / 'ledger.db'}"

[adapters.csv_nl]
type = "csv"
outbound_dir = "{tmp_path / 'nl'}"
inbound_dir = "{tmp_path / 'nl-in'}"

[adapters.csv_be]
type = "csv"
outbound_dir = "{tmp_path / 'be'}"
inbound_dir = "{tmp_path / 'be-in'}"

[accounts.nl]
account_id = "QWNjb3VudDox"
token = "t1"
adapters = ["csv_nl"]

[accounts.be]
account_id = "QWNjb3VudDoy"
token = "t2"
adapters = ["csv_be"]
""", encoding="utf-8")
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    code = main(["--config", str(config), "db", "upgrade", "--json"], env=env)
    assert code == ExitCode.OK, env.stderr.getvalue()  # type: ignore[attr-defined]
    report = json.loads(env.stdout.getvalue())  # type: ignore[attr-defined]
    assert sorted(report["accounts"]) == ["be", "nl"]
    assert (tmp_path / "ledger.nl.db").is_file() and (tmp_path / "ledger.be.db").is_file()
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    assert main(["--config", str(config), "--account", "nl", "db", "status", "--json"],
                env=env) == ExitCode.OK
    assert json.loads(env.stdout.getvalue())["version"] == LATEST_VERSION  # type: ignore[attr-defined]
