"""The shared HTTP layer: status mapping, the retry policy, the mutation rule, redaction, hooks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
import urllib3.exceptions
from hypothesis import given
from hypothesis import strategies as st

from oc_bridge import __version__
from oc_bridge.errors import (
    AmbiguousMutationError,
    AuthenticationError,
    ClientRequestError,
    ConfigurationError,
    NetworkError,
    OcBridgeError,
    ServerError,
    ThrottledError,
)
from oc_bridge.http import HttpClient, raise_for_status, redact, retry_after_seconds
from oc_bridge.ratelimit import RateLimiter

BASE = "https://wms.example.test/api"
SECRET = "sk_test_0123456789abcdef"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http(sleeps: Sleeps) -> HttpClient:
    return HttpClient(BASE, service="wms", secrets=(SECRET,), sleep=sleeps, max_attempts=3)


def _connect_refused() -> requests.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))


@responses.activate
def test_success_returns_response_and_sends_user_agent(http: HttpClient) -> None:
    responses.get(f"{BASE}/orders", json={"ok": True})
    response = http.request("GET", "/orders")
    assert response.json() == {"ok": True}
    agent = responses.calls[0].request.headers["User-Agent"]
    assert agent == f"oc-bridge/{__version__} (+https://github.com/oc-bridge)"


@responses.activate
def test_user_agent_extra_token(sleeps: Sleeps) -> None:
    client = HttpClient(BASE, service="wms", user_agent_extra="shipstation/1", sleep=sleeps)
    responses.get(f"{BASE}/x", json={})
    client.request("GET", "x")
    assert responses.calls[0].request.headers["User-Agent"].endswith(") shipstation/1")


@responses.activate
@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_are_never_retried(http: HttpClient, sleeps: Sleeps, status: int) -> None:
    responses.get(f"{BASE}/orders", status=status, json={"message": "bad token"},
                  headers={"X-Request-Id": "abc-123"})
    with pytest.raises(AuthenticationError) as caught:
        http.request("GET", "/orders")
    assert len(responses.calls) == 1 and sleeps == []
    error = caught.value
    assert (error.status, error.request_id, error.service) == (status, "abc-123", "wms")
    assert "bad token" in str(error) and "abc-123" in str(error)


@responses.activate
def test_server_error_then_success_is_retried_with_backoff(
    http: HttpClient, sleeps: Sleeps
) -> None:
    responses.get(f"{BASE}/orders", status=500, body="boom")
    responses.get(f"{BASE}/orders", json={"ok": 1})
    assert http.request("GET", "/orders").json() == {"ok": 1}
    assert len(responses.calls) == 2
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5  # base 0.5 with jitter in [50%, 100%]


@responses.activate
def test_retries_are_bounded_and_the_last_error_is_raised(http: HttpClient) -> None:
    responses.get(f"{BASE}/orders", status=503, body="down")
    with pytest.raises(ServerError) as caught:
        http.request("GET", "/orders")
    assert len(responses.calls) == 3
    assert caught.value.status == 503 and caught.value.body == "down"


@responses.activate
def test_429_waits_exactly_retry_after(http: HttpClient, sleeps: Sleeps) -> None:
    responses.get(f"{BASE}/orders", status=429, headers={"Retry-After": "7"})
    responses.get(f"{BASE}/orders", json={})
    http.request("GET", "/orders")
    assert sleeps == [7.0]


@responses.activate
def test_429_is_retried_even_for_post(http: HttpClient, sleeps: Sleeps) -> None:
    responses.post(f"{BASE}/orders", status=429, headers={"X-RateLimit-Reset": "3"})
    responses.post(f"{BASE}/orders", json={"id": 1})
    assert http.request("POST", "/orders", json={}).json() == {"id": 1}
    assert sleeps == [3.0]


@responses.activate
def test_too_long_retry_after_is_left_to_the_caller(sleeps: Sleeps) -> None:
    client = HttpClient(BASE, service="wms", sleep=sleeps, max_retry_after=60)
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(ThrottledError) as caught:
        client.request("GET", "/x")
    assert caught.value.retry_after == 3600 and sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_client_error_carries_the_body_message(http: HttpClient) -> None:
    responses.post(f"{BASE}/orders", status=422, json={"errors": [{"message": "sku unknown"}]})
    with pytest.raises(ClientRequestError) as caught:
        http.request("POST", "/orders", json={})
    assert "sku unknown" in str(caught.value) and caught.value.status == 422
    assert len(responses.calls) == 1


@responses.activate
def test_post_read_timeout_is_ambiguous_and_sent_once(http: HttpClient, sleeps: Sleeps) -> None:
    responses.post(f"{BASE}/shipments", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(AmbiguousMutationError) as caught:
        http.request("POST", "/shipments", json={"n": 1})
    assert len(responses.calls) == 1 and sleeps == []
    assert isinstance(caught.value.__cause__, NetworkError)
    assert isinstance(caught.value.__cause__.__cause__, requests.ReadTimeout)


@responses.activate
def test_post_5xx_is_ambiguous(http: HttpClient) -> None:
    responses.post(f"{BASE}/shipments", status=502, body="bad gateway")
    with pytest.raises(AmbiguousMutationError) as caught:
        http.request("POST", "/shipments")
    assert len(responses.calls) == 1 and caught.value.status == 502


@responses.activate
def test_post_marked_idempotent_is_retried(http: HttpClient) -> None:
    responses.post(f"{BASE}/search", body=requests.ReadTimeout("slow"))
    responses.post(f"{BASE}/search", json={"hits": []})
    assert http.request("POST", "/search", idempotent=True).json() == {"hits": []}


@responses.activate
def test_post_connect_failure_is_retried_because_nothing_was_sent(http: HttpClient) -> None:
    responses.post(f"{BASE}/shipments", body=_connect_refused())
    responses.post(f"{BASE}/shipments", body=requests.exceptions.ConnectTimeout("connect"))
    responses.post(f"{BASE}/shipments", json={"id": 9})
    assert http.request("POST", "/shipments").json() == {"id": 9}
    assert len(responses.calls) == 3


@responses.activate
def test_post_connection_reset_after_sending_is_ambiguous(http: HttpClient) -> None:
    reset = requests.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104))
    )
    responses.post(f"{BASE}/shipments", body=reset)
    with pytest.raises(AmbiguousMutationError):
        http.request("POST", "/shipments")
    assert len(responses.calls) == 1


@responses.activate
def test_network_errors_become_network_error(http: HttpClient) -> None:
    responses.get(f"{BASE}/x", body=requests.ConnectionError("nope"))
    with pytest.raises(NetworkError) as caught:
        http.request("GET", "/x")
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert len(responses.calls) == 3


def test_relative_path_without_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        HttpClient(None, service="x").request("GET", "/orders")


def test_bad_url_never_leaks_a_requests_exception() -> None:
    with pytest.raises(OcBridgeError) as caught:
        HttpClient(None, service="x").request("GET", "http://")
    assert isinstance(caught.value.__cause__, requests.RequestException)


@responses.activate
def test_secrets_are_redacted_from_errors_and_logs(
    http: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="oc_bridge.http")
    responses.get(f"{BASE}/items", status=500, body=f"token {SECRET} is wrong")
    responses.get(f"{BASE}/items", status=400, json={"message": f"bad key {SECRET}"})
    with pytest.raises(ClientRequestError) as caught:
        http.request("GET", f"/items?api_key={SECRET}")
    texts = [str(caught.value), repr(caught.value), caught.value.body or "", caplog.text]
    assert all(SECRET not in text for text in texts)
    assert "***" in str(caught.value) and "***" in caplog.text
    assert "GET" in caplog.text and "-> 500" in caplog.text


@responses.activate
def test_on_response_hook_sees_every_attempt(sleeps: Sleeps) -> None:
    seen: list[tuple[Any, ...]] = []
    client = HttpClient(BASE, service="wms", sleep=sleeps,
                        on_response=lambda *args: seen.append(args))
    responses.get(f"{BASE}/a/b", status=500)
    responses.get(f"{BASE}/a/b", json={})
    client.request("GET", "a/b")
    assert [(s, m, p, st_) for s, m, p, st_, _ in seen] == [
        ("wms", "GET", "/api/a/b", 500), ("wms", "GET", "/api/a/b", 200)]
    assert all(seconds >= 0 for *_, seconds in seen)


@responses.activate
def test_a_failing_hook_never_breaks_the_request(sleeps: Sleeps) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("metrics down")

    client = HttpClient(BASE, service="wms", sleep=sleeps, on_response=broken)
    responses.get(f"{BASE}/x", json={"ok": True})
    assert client.request("GET", "x").json() == {"ok": True}


def test_raise_for_status_passes_success() -> None:
    response = requests.Response()
    response.status_code = 204
    raise_for_status(response, "svc")


def test_retry_after_parsing() -> None:
    now = 1_700_000_000.0
    moment = datetime.fromtimestamp(now, UTC) + timedelta(seconds=30)
    assert retry_after_seconds({"Retry-After": "12"}) == 12
    assert retry_after_seconds({"Retry-After": format_datetime(moment, usegmt=True)},
                               now=lambda: now) == pytest.approx(30)
    assert retry_after_seconds({"X-RateLimit-Reset": str(now + 5)}, now=lambda: now) == 5
    assert retry_after_seconds({"X-Rate-Limit-Reset": "40"}) == 40
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


@given(
    secret=st.text(min_size=4, max_size=20),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_redact_never_leaves_a_secret(secret: str, before: str, after: str) -> None:
    text = before + secret + after + secret
    assert secret not in redact(text, [secret])


def test_redact_ignores_empty_and_short_secrets() -> None:
    assert redact("abc def", ["", "abc"]) == "abc def"
    assert redact("x=a%2Fb%2Fc", ["a/b/c"]) == "x=***"


@responses.activate
def test_a_429_on_the_last_attempt_still_holds_back_the_next_call(sleeps: Sleeps) -> None:
    clock = [100.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(requests=1000, clock=lambda: clock[0], sleep=sleep)
    client = HttpClient(BASE, service="wms", sleep=sleep, max_attempts=2, rate_limiter=limiter)
    responses.get(f"{BASE}/a", status=429, headers={"Retry-After": "12"})
    responses.get(f"{BASE}/b", json={})
    with pytest.raises(ThrottledError):
        client.request("GET", "/a")
    assert sleeps == [12.0]  # between the two attempts
    client.request("GET", "/b")
    assert sleeps == [12.0, 12.0]  # the next call waited for the server's pause too
    assert [c.request.url.rsplit("/", 1)[1] for c in responses.calls] == ["a", "a", "b"]


@responses.activate
def test_the_rate_limiter_sees_every_answer(sleeps: Sleeps) -> None:
    limiter = RateLimiter(requests=1000, remaining_header="X-Remaining",
                          reset_header="X-Reset", reserve=1, sleep=sleeps)
    client = HttpClient(BASE, service="wms", sleep=sleeps, max_attempts=1, rate_limiter=limiter)
    responses.get(f"{BASE}/x", status=404, headers={"X-Remaining": "1", "X-Reset": "30"})
    with pytest.raises(ClientRequestError):
        client.request("GET", "/x")
    assert limiter.last_headers["remaining"] == "1"
