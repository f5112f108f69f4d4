"""Webhook subscription rules: http(s) endpoints, one per topic and endpoint."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from oc_bridge.sandbox.ids import global_id
from oc_bridge.sandbox.model import Webhook
from oc_bridge.sandbox.rules.outcome import Outcome, fail
from oc_bridge.sandbox.state import SandboxState

__all__ = ["create_webhook", "delete_webhook"]


def _endpoint_problem(endpoint: str, strict: bool) -> str | None:
    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return "Endpoint is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Endpoint must be an http or https URL"
    host = parts.hostname.lower()
    if strict and (
        host in ("localhost", "127.0.0.1", "::1", "0.0.0.0")
        or host.endswith(".localhost")
        or host.startswith("127.")
        or host.endswith("internal")
    ):
        return "Endpoint cannot be localhost or an internal address"
    return None


def create_webhook(state: SandboxState, data: dict[str, Any]) -> Outcome[Webhook]:
    """Subscribe an http(s) endpoint to a topic (one subscription per topic and endpoint)."""
    endpoint = str(data.get("endpoint") or "").strip()
    problem = _endpoint_problem(endpoint, state.config.strict_endpoints)
    if problem:
        return fail(["endpoint"], problem)
    topic = str(data.get("topic"))
    if any(w.topic == topic and w.endpoint == endpoint for w in state.webhooks.values()):
        return fail(["endpoint"], "Endpoint is already subscribed to this topic")
    seq = state.generator.counters.next("webhook")
    webhook = Webhook(
        seq,
        global_id("Webhook", seq),
        topic,
        endpoint,
        data.get("template") or "DEFAULT",
        state.now(),
    )
    state.webhooks[webhook.id] = webhook
    state.changed()
    return Outcome(webhook)


def delete_webhook(state: SandboxState, webhook_id: str) -> Outcome[str]:
    """Remove a subscription; returns its ID."""
    if state.webhooks.pop(webhook_id, None) is None:
        return fail(["id"], f"Webhook {webhook_id} does not exist")
    state.changed()
    return Outcome(webhook_id)
