"""``oc-bridge db``: the ledger's schema (``status``, ``upgrade``) and moving a SQLite ledger
into PostgreSQL (``migrate-from``)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from oc_bridge.accounts import each_account, has_accounts
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.errors import ConfigurationError
from oc_bridge.store import is_postgres_url
from oc_bridge.store.schema import SchemaState, SchemaStatus, schema_status, upgrade

__all__ = ["add_parser", "run_migrate_from", "run_status", "run_upgrade"]

_STATE_TEXT = {
    SchemaState.CURRENT: "up to date",
    SchemaState.BEHIND: "behind",
    SchemaState.EMPTY: "no ledger yet",
    SchemaState.NEWER: "newer than this oc-bridge: upgrade oc-bridge",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``db`` and its subcommands."""
    db = subparsers.add_parser(
        "db", help="ledger schema: status, upgrade, migrate-from SQLite",
        description="Look after the ledger database (store.url). A PostgreSQL ledger is never "
        "changed by a starting bridge: run `oc-bridge db upgrade` after installing a new "
        "version (every replica refuses to start until then). A SQLite ledger migrates itself "
        "when opened; `db upgrade` does it now. With several [accounts.*], `status` and "
        "`upgrade` cover every account's ledger unless --account NAME picks one; "
        "`migrate-from` needs --account NAME.",
    )
    commands = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    db.set_defaults(handler=lambda _args, env: _usage(db, env))

    status = commands.add_parser(
        "status", help="schema version of the ledger and what an upgrade would apply",
        description="Print the backend, the ledger's schema version, the latest this "
        "oc-bridge knows and the pending steps. Changes nothing. Exit 0 when the bridge can "
        "start on it as it is, 2 when `oc-bridge db upgrade` (or a newer oc-bridge) is needed.",
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=run_status)

    up = commands.add_parser(
        "upgrade", help="apply pending schema migrations",
        description="Apply every pending migration to the ledger in one transaction. Safe to "
        "run from several hosts at once (PostgreSQL: the second waits, then finds nothing to "
        "do), and safe while replicas of the previous version run when the release notes say "
        "its steps are additive. Exit 0 when the schema is current afterwards.",
    )
    up.add_argument("--dry-run", action="store_true", help="change nothing; list the steps")
    up.add_argument("--json", action="store_true", help="print JSON")
    up.set_defaults(handler=run_upgrade)

    move = commands.add_parser(
        "migrate-from", help="move a SQLite ledger into the PostgreSQL store",
        description="Copy every table of a SQLite ledger into the PostgreSQL database of "
        "store.url (or --to) in one transaction: the target schema is upgraded, rows are copied "
        "with their ids, identity sequences continue after the highest id, and row counts are "
        "compared before the commit (any failure moves nothing). Stop the bridge first. A "
        "target that already holds a ledger is refused unless --replace.",
        epilog="example: oc-bridge db migrate-from sqlite:////var/lib/oc-bridge/ledger.sqlite3",
    )
    move.add_argument("source", metavar="sqlite:///PATH", help="the SQLite ledger to move")
    move.add_argument("--to", metavar="URL", default=None,
                      help="target postgresql:// URL (default: store.url)")
    move.add_argument("--replace", action="store_true",
                      help="empty a target that already holds data (same transaction)")
    move.add_argument("--dry-run", action="store_true",
                      help="do the whole copy, then roll it back; print what would move")
    move.add_argument("--json", action="store_true", help="print JSON")
    move.set_defaults(handler=run_migrate_from)


def _usage(parser: argparse.ArgumentParser, env: CliEnv) -> int:
    parser.print_help(env.stdout)
    return ExitCode.ERROR


def _status_json(status: SchemaStatus) -> dict[str, Any]:
    return {"backend": status.backend, "store": status.store, "version": status.version,
            "latest": status.latest, "state": status.state.value, "usable": status.usable,
            "pending": [{"version": v, "description": d} for v, d in status.pending]}


def _print_status(status: SchemaStatus, env: CliEnv) -> None:
    state = _STATE_TEXT[status.state]
    if status.state in (SchemaState.BEHIND, SchemaState.EMPTY):
        state += ("; migrates itself when opened, or run `oc-bridge db upgrade`"
                  if status.backend == "sqlite" else "; run `oc-bridge db upgrade`")
    env.out(f"backend   {status.backend}")
    env.out(f"store     {status.store}")
    env.out(f"schema    version {status.version} of {status.latest} ({state})")
    for version, description in status.pending:
        env.out(f"pending   {version}: {description}")


def _ledgers(env: CliEnv) -> list[tuple[str | None, str]]:
    """(account name or None, store URL) of every ledger the command covers: the chosen
    account's, or with several accounts and no ``--account`` each account's."""
    if env.account is None and has_accounts(env.full_settings()):
        return [(a.account, a.store.url) for a in each_account(env.full_settings())]
    return [(None, env.settings().store.url)]


def _per_account(results: list[tuple[str | None, Any]]) -> Any:
    if len(results) == 1 and results[0][0] is None:
        return results[0][1]
    return {"accounts": {name: data for name, data in results}}


def run_status(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the schema status; exit 0 when every ledger is usable as is, else 2."""
    statuses = [(name, schema_status(url)) for name, url in _ledgers(env)]
    if args.json:
        env.out(json.dumps(_per_account([(n, _status_json(s)) for n, s in statuses]),
                           indent=2))
    else:
        for index, (name, status) in enumerate(statuses):
            if name is not None:
                env.out(("\n" if index else "") + f"== account {name}")
            _print_status(status, env)
    return ExitCode.OK if all(s.usable for _, s in statuses) else ExitCode.CONFIG


def run_upgrade(args: argparse.Namespace, env: CliEnv) -> int:
    """Apply (or with --dry-run list) pending migrations of every covered ledger; exit 0."""
    results = []
    for index, (name, url) in enumerate(_ledgers(env)):
        before, after = upgrade(url, dry_run=args.dry_run)
        results.append((name, before, after))
        if not args.json:
            if name is not None:
                env.out(("\n" if index else "") + f"== account {name}")
            _print_upgrade(before, after, env, dry_run=args.dry_run)
    if args.json:
        env.out(json.dumps(_per_account([(name, {
            "dry_run": args.dry_run, "before": _status_json(before),
            "after": _status_json(after),
            "applied": [] if args.dry_run else [{"version": v, "description": d}
                                                for v, d in before.pending]})
            for name, before, after in results]), indent=2))
    return ExitCode.OK


def _print_upgrade(before: SchemaStatus, after: SchemaStatus, env: CliEnv, *,
                   dry_run: bool) -> None:
    if not before.pending:
        env.out(f"{before.store}: schema version {before.version} is up to date")
        return
    verb = "would apply" if dry_run else "applied"
    for version, description in before.pending:
        env.out(f"{verb} {version}: {description}")
    env.out(f"{before.store}: schema version {before.version} -> "
            f"{before.latest if dry_run else after.version}"
            + (" (dry run: nothing changed)" if dry_run else ""))


def run_migrate_from(args: argparse.Namespace, env: CliEnv) -> int:
    """Move the ledger and print the rows per table; exit 0."""
    from oc_bridge.store.transfer import migrate_from_sqlite  # psycopg only when used

    target = args.to or env.settings().store.url
    if not is_postgres_url(target):
        raise ConfigurationError(
            "db migrate-from moves a SQLite ledger into PostgreSQL: set store.url to a "
            "postgresql:// URL or pass --to postgresql://...")
    transfer = migrate_from_sqlite(args.source, target, replace=args.replace,
                                   dry_run=args.dry_run, progress=env.err)
    if args.json:
        data = asdict(transfer)
        data["total_rows"] = transfer.total_rows
        env.out(json.dumps(data, indent=2))
        return ExitCode.OK
    width = max([len(t.table) for t in transfer.tables] + [5])
    for moved in transfer.tables:
        env.out(f"{moved.table:<{width}}  {moved.rows:>9}")
    env.out(f"{'total':<{width}}  {transfer.total_rows:>9}")
    if transfer.replaced:
        env.out("emptied first: " + ", ".join(f"{t} ({n} rows)"
                                              for t, n in sorted(transfer.replaced.items())))
    env.out(f"{transfer.source} -> {transfer.target} (schema version {transfer.schema_version})"
            + (": dry run, rolled back, nothing changed" if transfer.dry_run else ": committed"))
    return ExitCode.OK
