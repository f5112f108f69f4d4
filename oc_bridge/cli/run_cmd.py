"""``oc-bridge run``: the sync daemon (webhooks, inbox workers, scheduled reconciliation)."""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from oc_bridge.accounts import each_account, has_accounts
from oc_bridge.cli.env import CliEnv

__all__ = ["add_parser", "run_daemon"]

DESCRIPTION = """\
Run the sync daemon: receive Orderchamp webhooks on POST /webhooks/orderchamp (stored durably
before the answer), process them with worker threads, reconcile every sync.reconcile_interval
and pull shipments every sync.shipments_interval. Also serves /healthz, /readyz and /metrics.
SIGTERM or SIGINT stops it gracefully (exit 0). See docs/daemon.md.

With several [accounts.*] it serves every account (each with its own ledger, workers and
schedule; webhooks routed by X-Orderchamp-Account-Id), or only the one named by --account.
See docs/operations.md."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``run``."""
    parser = subparsers.add_parser("run", help="run the sync daemon (webhooks + schedule)",
                                   description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", help="listen address (overrides daemon.host)")
    parser.add_argument("--port", type=int, help="listen port (overrides daemon.port)")
    parser.set_defaults(handler=run_daemon)


def run_daemon(args: argparse.Namespace, env: CliEnv) -> int:
    """Serve until SIGTERM/SIGINT; 0 after a clean stop."""
    from oc_bridge.daemon.server import serve

    daemon: dict[str, object] = {}
    if args.host:
        daemon["host"] = args.host
    if args.port is not None:
        daemon["port"] = args.port
    if daemon:
        env.overrides = {**env.overrides,
                         "daemon": {**env.overrides.get("daemon", {}), **daemon}}
        env._settings = None
    if env.account is None and has_accounts(env.full_settings()):
        return _serve_every_account(env)
    with env.open_runtime() as runtime:
        return serve(runtime)


def _serve_every_account(env: CliEnv) -> int:
    from oc_bridge.daemon.server import serve_accounts
    from oc_bridge.runtime import open_runtime

    with ExitStack() as stack:
        runtimes = {
            account.account or "": stack.enter_context(open_runtime(
                account, environ=env.environ, host=env.plugin_host()))
            for account in each_account(env.full_settings())}
        return serve_accounts(runtimes)
