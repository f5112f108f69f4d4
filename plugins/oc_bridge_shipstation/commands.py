"""``oc-bridge shipstation ...``: helper commands for setting up a ShipStation instance.

``stores`` lists store ids (for ``store_id``), ``check`` tests credentials, rate-limit headers
and the store id, ``webhooks register|list|delete`` manage the shipment webhooks.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from oc_bridge.adapter import AdapterContext
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.errors import ConfigurationError

from .adapter import ShipStationAdapter
from .config import ShipStationConfig

__all__ = ["REGISTERED_EVENTS", "add_commands", "open_adapter"]

#: Events ``webhooks register`` subscribes (ITEM_SHIP_NOTIFY would duplicate SHIP_NOTIFY).
REGISTERED_EVENTS = ("SHIP_NOTIFY", "FULFILLMENT_SHIPPED")


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``shipstation`` command group to the CLI."""
    group = subparsers.add_parser("shipstation", help="ShipStation set-up helpers")
    group.set_defaults(handler=lambda args, env: _help(group, env))
    sub = group.add_subparsers(dest="shipstation_command", metavar="COMMAND")

    stores = sub.add_parser("stores", help="list ShipStation stores (to find store_id)")
    _instance_arg(stores)
    stores.add_argument("--json", action="store_true", help="print JSON")
    stores.set_defaults(handler=_stores)

    check = sub.add_parser("check", help="check credentials, rate-limit headers and store_id")
    _instance_arg(check)
    check.set_defaults(handler=_check)

    hooks = sub.add_parser("webhooks", help="manage shipment webhooks")
    hooks.set_defaults(handler=lambda args, env: _help(hooks, env))
    hooks_sub = hooks.add_subparsers(dest="webhooks_command", metavar="COMMAND")
    register = hooks_sub.add_parser("register", help="subscribe SHIP_NOTIFY and "
                                    "FULFILLMENT_SHIPPED to a URL (idempotent)")
    register.add_argument("--url", required=True, help="the receiving URL (with secret token)")
    _instance_arg(register)
    register.set_defaults(handler=_register)
    listing = hooks_sub.add_parser("list", help="list webhook subscriptions")
    _instance_arg(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    delete = hooks_sub.add_parser("delete", help="delete a webhook subscription")
    delete.add_argument("id", type=int, help="webhook id (see `webhooks list`)")
    _instance_arg(delete)
    delete.set_defaults(handler=_delete)


def _instance_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instance", metavar="NAME",
                        help="adapter instance (default: the only one of type shipstation)")


def _help(parser: argparse.ArgumentParser, env: CliEnv) -> int:
    parser.print_help(env.stdout)
    return ExitCode.ERROR


@contextmanager
def open_adapter(env: CliEnv, instance: str | None) -> Iterator[ShipStationAdapter]:
    """Build the adapter of ``instance`` (default: the only shipstation instance) from the
    CLI's settings; closed on exit. ``ConfigurationError`` when it cannot be chosen."""
    settings = env.settings()
    names = [n for n in settings.adapters if settings.adapter_type(n) == ShipStationAdapter.name]
    if instance is None:
        if len(names) != 1:
            found = ", ".join(names) or "none"
            raise ConfigurationError(f"choose a ShipStation instance with --instance "
                                     f"(configured: {found})")
        instance = names[0]
    elif instance not in names:
        raise ConfigurationError(f"no [adapters.{instance}] of type shipstation")
    config = ShipStationAdapter.parse_config(instance, settings.adapters[instance].options())
    assert isinstance(config, ShipStationConfig)
    with tempfile.TemporaryDirectory(prefix="oc-bridge-shipstation-") as tmp:
        context = AdapterContext(instance=instance, state_dir=Path(tmp), settings=settings,
                                 logger=logging.getLogger(f"oc_bridge.adapter.{instance}"))
        adapter = ShipStationAdapter(config, context)
        try:
            yield adapter
        finally:
            adapter.close()


def _stores(args: argparse.Namespace, env: CliEnv) -> int:
    with open_adapter(env, args.instance) as adapter:
        stores = adapter.stores()
    if args.json:
        env.out(json.dumps(stores, indent=2, sort_keys=True))
        return ExitCode.OK
    env.out(f"{'storeId':>10}  {'active':6}  {'marketplace':20}  name")
    for store in stores:
        env.out(f"{store.get('storeId')!s:>10}  {('yes' if store.get('active') else 'no'):6}  "
                f"{store.get('marketplaceName') or ''!s:20}  {store.get('storeName')}")
    return ExitCode.OK


def _check(args: argparse.Namespace, env: CliEnv) -> int:
    with open_adapter(env, args.instance) as adapter:
        problems = adapter.check()
        limiter = adapter.client.limiter
        env.out(f"instance {adapter.instance}: {adapter.config.base_url}")
        if limiter.last_headers:
            env.out("rate limit: {limit}/min, {remaining} left, window resets in {reset} s"
                    .format(**limiter.last_headers))
        elif not problems:
            problems.append("answers carry no X-Rate-Limit-* headers")
    for problem in problems:
        env.out(f"problem: {problem}")
    if not problems:
        env.out("ok")
    return ExitCode.ERROR if problems else ExitCode.OK


def _register(args: argparse.Namespace, env: CliEnv) -> int:
    with open_adapter(env, args.instance) as adapter:
        existing = {int(h["WebHookID"]) for h in adapter.list_webhooks()}
        for event in REGISTERED_EVENTS:
            hook_id = adapter.webhook_subscribe(args.url, event, f"oc-bridge {event}")
            state = "kept" if hook_id in existing else "created"
            env.out(f"{event}: webhook {hook_id} {state}")
    return ExitCode.OK


def _list(args: argparse.Namespace, env: CliEnv) -> int:
    with open_adapter(env, args.instance) as adapter:
        hooks: list[dict[str, Any]] = adapter.list_webhooks()
    if args.json:
        env.out(json.dumps(hooks, indent=2, sort_keys=True))
        return ExitCode.OK
    for hook in hooks:
        env.out(f"{hook.get('WebHookID')}  {hook.get('HookType'):20}  {hook.get('Url')}  "
                f"({hook.get('Name')})")
    if not hooks:
        env.out("no webhooks")
    return ExitCode.OK


def _delete(args: argparse.Namespace, env: CliEnv) -> int:
    with open_adapter(env, args.instance) as adapter:
        adapter.webhook_unsubscribe(args.id)
    env.out(f"webhook {args.id} deleted")
    return ExitCode.OK
