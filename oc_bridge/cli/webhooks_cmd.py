"""``oc-bridge webhooks register|list|delete``: Orderchamp webhook subscriptions."""

from __future__ import annotations

import argparse

from oc_bridge.cli.env import CliEnv, ExitCode

__all__ = ["DEFAULT_TOPICS", "add_parser"]

#: What the daemon needs: every order event plus new invoices.
DEFAULT_TOPICS = ("ORDER_CREATED", "ORDER_UPDATED", "ORDER_CONFIRMED", "ORDER_CANCELLED",
                  "INVOICE_CREATED")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``webhooks`` and its sub-commands."""
    parser = subparsers.add_parser("webhooks", help="manage Orderchamp webhook subscriptions")
    sub = parser.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    register = sub.add_parser("register", help="subscribe URL to topics (idempotent)")
    register.add_argument("--url", required=True,
                          help="the daemon's endpoint, e.g. https://host/webhooks/orderchamp")
    register.add_argument("--topic", action="append", dest="topics", metavar="TOPIC",
                          help=f"topic (repeatable; default: {', '.join(DEFAULT_TOPICS)})")
    register.add_argument("--template", help="payload template, e.g. INVOICING")
    register.add_argument("--dry-run", action="store_true",
                          help="change nothing; print what would be created or kept")
    register.set_defaults(handler=register_webhooks)
    listing = sub.add_parser("list", help="list subscriptions")
    listing.set_defaults(handler=list_webhooks)
    delete = sub.add_parser("delete", help="delete a subscription by id")
    delete.add_argument("id")
    delete.add_argument("--dry-run", action="store_true",
                        help="change nothing; say whether the subscription exists")
    delete.set_defaults(handler=delete_webhook)


def register_webhooks(args: argparse.Namespace, env: CliEnv) -> int:
    """Create each missing subscription; an identical existing one is kept."""
    topics = [t.upper() for t in (args.topics or DEFAULT_TOPICS)]
    with env.orderchamp_client() as client:
        existing = {(w.topic, w.endpoint, _template(w.template)): w
                    for w in client.list_webhooks()}
        for topic in topics:
            key = (topic, args.url, _template(args.template))
            if key in existing:
                env.out(f"kept     {existing[key].id} {topic} {args.url}")
                continue
            if args.dry_run:
                env.out(f"would create {topic} {args.url}")
                continue
            created = client.create_webhook(topic, args.url, template=args.template)
            env.out(f"created  {created.id} {topic} {args.url}")
    return ExitCode.OK


def _template(name: str | None) -> str:
    """Orderchamp reports the default payload as ``DEFAULT``; unset means the same."""
    return (name or "DEFAULT").upper()


def list_webhooks(args: argparse.Namespace, env: CliEnv) -> int:
    """One line per subscription: id, topic, endpoint, template."""
    with env.orderchamp_client() as client:
        for hook in client.list_webhooks():
            env.out(f"{hook.id} {hook.topic} {hook.endpoint} {hook.template or ''}".rstrip())
    return ExitCode.OK


def delete_webhook(args: argparse.Namespace, env: CliEnv) -> int:
    """Delete one subscription (``--dry-run``: say whether it exists; exit 1 when not)."""
    with env.orderchamp_client() as client:
        if args.dry_run:
            found = [w for w in client.list_webhooks() if w.id == args.id]
            if not found:
                env.err(f"error: no webhook subscription {args.id}")
                return ExitCode.ERROR
            env.out(f"would delete {args.id} {found[0].topic} {found[0].endpoint}")
            return ExitCode.OK
        client.delete_webhook(args.id)
    env.out(f"deleted  {args.id}")
    return ExitCode.OK
