"""Fixtures of the webhook adapter's tests: a fake receiver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_receiver import FakeReceiver

SECRET = "test-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    """A started :class:`FakeReceiver` signing with :data:`SECRET`; stopped afterwards."""
    fake = FakeReceiver(SECRET).start()
    try:
        yield fake
    finally:
        fake.stop()
