"""Alerting: stuck-item detection over the ledger, lost-webhook alerts from reconciliation, and
delivery to logs, metrics and configured channels (HTTP webhook, e-mail), deduplicated and
rate-limited with state in the ledger. See docs/operations.md, "Alerting"."""

from __future__ import annotations

from oc_bridge.alerts.channels import (
    CHANNEL_NAMES,
    SIGNATURE_HEADER,
    AlertChannel,
    EmailChannel,
    WebhookChannel,
    configured_channels,
    sign_body,
)
from oc_bridge.alerts.detect import StuckReport, detect
from oc_bridge.alerts.dispatch import LOG_CHANNEL, AlertDispatcher, AlertObserver, ChannelResult
from oc_bridge.alerts.model import ALERT_KINDS, Alert, AlertBatch, AlertKind
from oc_bridge.alerts.repairs import lost_webhook_alerts
from oc_bridge.alerts.service import AlertService, CheckResult

__all__ = [
    "ALERT_KINDS",
    "CHANNEL_NAMES",
    "LOG_CHANNEL",
    "SIGNATURE_HEADER",
    "Alert",
    "AlertBatch",
    "AlertChannel",
    "AlertDispatcher",
    "AlertKind",
    "AlertObserver",
    "AlertService",
    "ChannelResult",
    "CheckResult",
    "EmailChannel",
    "StuckReport",
    "WebhookChannel",
    "configured_channels",
    "detect",
    "lost_webhook_alerts",
    "sign_body",
]
