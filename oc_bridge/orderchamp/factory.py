"""Building an :class:`~oc_bridge.orderchamp.client.OrderchampClient` from the settings."""

from __future__ import annotations

from oc_bridge.errors import ConfigurationError
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.settings import OrderchampSettings

__all__ = ["client_from_settings"]


def client_from_settings(settings: OrderchampSettings, *,
                         key: str = "orderchamp") -> OrderchampClient:
    """A client for the configured endpoint and token; the caller closes it.

    Raises :class:`~oc_bridge.errors.ConfigurationError` when no token is configured, naming
    ``key`` (``orderchamp``, or ``accounts.<name>`` for one of several accounts).
    """
    if settings.token is None:
        env = f"OC_BRIDGE_{key.replace('.', '__').upper()}__TOKEN"
        raise ConfigurationError(f"{key}.token is not set ({env} or [{key}] token)")
    return OrderchampClient(
        settings.api_url,
        settings.token,
        timeout=(settings.connect_timeout, settings.read_timeout),
        bucket_size=settings.bucket_size,
        restore_rate=settings.restore_rate,
        budget_share=settings.budget_share,
        max_query_cost=settings.max_query_cost,
        max_attempts=settings.max_attempts,
    )
