"""Delivery rules: logs and metrics always, each channel deduplicated within the window and
rate-limited per hour, with the state in the ledger (it survives a restart), failed sends
tried again, and two processes racing for one alert sending it once."""

from __future__ import annotations

import logging
import threading

import pytest

from oc_bridge.alerts import Alert, AlertBatch, AlertDispatcher, AlertKind
from oc_bridge.errors import TransientError
from oc_bridge.settings import AlertSettings
from oc_bridge.store import Store, open_store


class RecordingChannel:
    def __init__(self, name: str = "webhook", *, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.batches: list[AlertBatch] = []

    def send(self, batch: AlertBatch) -> None:
        if self.fail:
            raise TransientError("receiver down")
        self.batches.append(batch)

    def keys(self) -> list[str]:
        return [a.key for b in self.batches for a in b.alerts]

    def close(self) -> None:
        pass


class Observer:
    def __init__(self) -> None:
        self.raised: list[str] = []
        self.notes: list[tuple[str, str]] = []

    def alert_raised(self, kind: str) -> None:
        self.raised.append(kind)

    def alert_notification(self, channel: str, outcome: str) -> None:
        self.notes.append((channel, outcome))


def alert(key: str, kind: AlertKind = AlertKind.STUCK_EXPORT) -> Alert:
    return Alert(kind, key, f"message of {key}")


def test_same_key_is_sent_once_within_the_window(store: Store) -> None:
    channel = RecordingChannel()
    dispatcher = AlertDispatcher(store, AlertSettings(), [channel])
    assert [r.outcome for r in dispatcher.deliver([alert("a"), alert("b")])] == ["sent"]
    assert [r.outcome for r in dispatcher.deliver([alert("a"), alert("b")])] == ["nothing_new"]
    dispatcher.deliver([alert("a"), alert("c")])
    assert [len(b.alerts) for b in channel.batches] == [2, 1]
    assert channel.keys() == ["a", "b", "c"]


def test_dedupe_state_survives_a_restart(store_url: str) -> None:
    first = RecordingChannel()
    with open_store(store_url) as store:
        AlertDispatcher(store, AlertSettings(), [first]).deliver([alert("a")])
    second = RecordingChannel()
    with open_store(store_url) as store:
        AlertDispatcher(store, AlertSettings(), [second]).deliver([alert("a")])
    assert first.keys() == ["a"] and second.keys() == []


def test_a_key_is_sent_again_once_the_window_passed(store: Store) -> None:
    channel = RecordingChannel()
    dispatcher = AlertDispatcher(store, AlertSettings(dedupe_window=0), [channel])
    dispatcher.deliver([alert("a")])
    dispatcher.deliver([alert("a")])
    assert channel.keys() == ["a", "a"]


def test_channels_dedupe_independently(store: Store) -> None:
    webhook, email = RecordingChannel("webhook"), RecordingChannel("email")
    AlertDispatcher(store, AlertSettings(), [webhook]).deliver([alert("a")])
    AlertDispatcher(store, AlertSettings(), [webhook, email]).deliver([alert("a")])
    assert webhook.keys() == ["a"] and email.keys() == ["a"]


def test_rate_limit_holds_alerts_back_until_the_hour_allows(store: Store) -> None:
    channel = RecordingChannel()
    observer = Observer()
    limited = AlertDispatcher(store, AlertSettings(max_per_hour=2), [channel], observer=observer)
    limited.deliver([alert("a")])
    limited.deliver([alert("b")])
    (result,) = limited.deliver([alert("c")])
    assert result.outcome == "rate_limited"
    assert channel.keys() == ["a", "b"]
    assert ("webhook", "rate_limited") in observer.notes
    # "c" was not marked sent: once the limit allows, it goes out
    AlertDispatcher(store, AlertSettings(max_per_hour=3), [channel]).deliver([alert("c")])
    assert channel.keys() == ["a", "b", "c"]


def test_a_failed_send_is_tried_again_on_the_next_check(store: Store) -> None:
    down = RecordingChannel(fail=True)
    observer = Observer()
    (result,) = AlertDispatcher(store, AlertSettings(), [down],
                                observer=observer).deliver([alert("a")])
    assert result.outcome == "failed" and result.error == "receiver down" and not result.ok
    assert observer.notes == [("webhook", "failed")]
    up = RecordingChannel()
    AlertDispatcher(store, AlertSettings(), [up]).deliver([alert("a")])
    assert up.keys() == ["a"]
    outcomes = [s.outcome for s in store.recent_alert_sends()]
    assert outcomes == ["sent", "failed"]


def test_log_and_metric_once_per_alert_whatever_the_channels(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    observer = Observer()
    dispatcher = AlertDispatcher(store, AlertSettings(), [], observer=observer)
    with caplog.at_level(logging.WARNING, logger="oc_bridge.alerts"):
        dispatcher.deliver([alert("a"), alert("p", AlertKind.PARKED)])
        dispatcher.deliver([alert("a"), alert("p", AlertKind.PARKED)])
    assert observer.raised == ["stuck_export", "parked"]
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["ALERT stuck_export: message of a", "ALERT parked: message of p"]


def test_only_the_configured_kinds_alert(store: Store) -> None:
    channel = RecordingChannel()
    AlertDispatcher(store, AlertSettings(kinds=["parked"]), [channel]).deliver(
        [alert("a"), alert("p", AlertKind.PARKED)])
    assert channel.keys() == ["p"]


def test_two_processes_racing_send_an_alert_once(store_url: str) -> None:
    open_store(store_url).close()
    channels = [RecordingChannel(), RecordingChannel()]
    barrier = threading.Barrier(2)

    def run(channel: RecordingChannel) -> None:
        with open_store(store_url) as store:
            barrier.wait()
            AlertDispatcher(store, AlertSettings(), [channel]).deliver(
                [alert(f"k{i}") for i in range(20)])

    threads = [threading.Thread(target=run, args=(c,)) for c in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    keys = channels[0].keys() + channels[1].keys()
    assert sorted(keys) == sorted(f"k{i}" for i in range(20))


def test_test_alert_bypasses_dedupe_and_reports_per_channel(store: Store) -> None:
    good, bad = RecordingChannel("webhook"), RecordingChannel("email", fail=True)
    dispatcher = AlertDispatcher(store, AlertSettings(max_per_hour=1), [good, bad])
    for _ in range(2):
        results = dispatcher.send_test()
        assert [(r.channel, r.outcome) for r in results] == [("webhook", "sent"),
                                                             ("email", "failed")]
    assert len(good.batches) == 2 and good.batches[0].is_test
    assert [r.channel for r in dispatcher.send_test(["email"])] == ["email"]
