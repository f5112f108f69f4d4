"""Fixtures: a scripted Orderchamp endpoint (``responses``), a fake clock, a client on both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from oc_bridge.orderchamp import OrderchampClient

from .helpers import API_URL, TOKEN, FakeClock, FakeOrderchamp


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake() -> Iterator[FakeOrderchamp]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeOrderchamp(mock)


@pytest.fixture
def client(fake: FakeOrderchamp, clock: FakeClock) -> Iterator[OrderchampClient]:
    with OrderchampClient(API_URL, TOKEN, sleep=clock.sleep, clock=clock) as made:
        yield made
