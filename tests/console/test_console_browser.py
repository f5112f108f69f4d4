"""Acceptance: an operator drives the console in a real headless Chromium against a daemon
(``oc-bridge run``) and the Orderchamp sandbox.

The story: a warehouse ships an order the supplier has not confirmed in Orderchamp yet, so the
bridge never saw it and parks the shipment ("unknown order number"). The operator logs in
(after a wrong password is refused), finds the parked shipment with its reason, fixes the
cause (confirms the order in Orderchamp), retries from the console and sees the shipment
shipped, with its tracking number, in the order's timeline. A forged CSRF token is refused.

Screenshots of every page go to ``build/screenshots/`` (``OC_BRIDGE_SCREENSHOTS`` overrides;
the path is printed at the end of the run). With ``OC_BRIDGE_README_SCREENSHOT=1`` the
overview is also written to docs/images/console-overview.png for the README.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, SCREENSHOTS, USER, MakeDaemon, drop_shipment
from daemon_helpers import Daemon, wait_for

from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ExportState, ShipmentState, open_store

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install -e '.[test]')")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("OC_BRIDGE_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("OC_BRIDGE_CHROMEDRIVER", "/usr/bin/chromedriver"))
README_IMAGE = ROOT / "docs" / "images" / "console-overview.png"


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium through the system's chromedriver (.ci/run installs both)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.skip(f"no headless browser: {', '.join(missing)} missing (Debian packages "
                    "chromium and chromium-driver; .ci/run installs them when it can)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1360,1000", "--lang=en-GB"):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)),
                                  options=options)
    except WebDriverException as exc:
        pytest.skip(f"headless Chromium does not start here: {exc.msg}")
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def shoot(driver: Any, name: str) -> Path:
    """A full-page screenshot (through the DevTools protocol) into the screenshot folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                 "scale": 1}})
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {path}")
    return path


def click_and_wait(driver: Any, element: Any) -> None:
    """Click ``element`` and wait until the browser has loaded the next page."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(page))


def text(driver: Any) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def ledger(daemon: Daemon) -> Any:
    return open_store(f"sqlite:///{daemon.root / 'ledger.db'}")


def busy_shop(sandbox: Sandbox, daemon: Daemon, count: int = 14) -> list[dict[str, Any]]:
    """Confirmed orders the daemon exports (webhooks), most of them shipped by the warehouse."""
    orders = [sandbox.control.get_order(sandbox.control.create_order(
        confirmed=True, lines=1 + i % 3)["id"]) for i in range(count)]
    with ledger(daemon) as store:
        assert wait_for(lambda: len(store.list_exports([ExportState.EXPORTED])) >= count, 30), \
            daemon.log()
    for index, order in enumerate(orders[: count - 2]):
        drop_shipment(daemon.root / "in", f"ship-{index}.csv", order, f"3SBUSY{index:04d}")
    return orders


def test_operator_retries_a_parked_shipment_after_fixing_its_cause(
    make_console_daemon: MakeDaemon, sandbox: Sandbox, browser: Any
) -> None:
    daemon = make_console_daemon(shipments_interval=1)
    base = f"{daemon.base}/console"
    orders = busy_shop(sandbox, daemon)
    early = sandbox.control.get_order(sandbox.control.create_order(confirmed=False,
                                                                   lines=2)["id"])
    drop_shipment(daemon.root / "in", "early.csv", early, "3SEARLY01")
    with ledger(daemon) as store:
        assert wait_for(lambda: store.counts().parked_open == 1
                        and store.counts().shipments.get("shipped", 0) == len(orders) - 2,
                        30), daemon.log()

    # Not logged in: every page sends the browser to the log-in form.
    browser.get(f"{base}/parked")
    assert browser.current_url.startswith(f"{base}/login")
    shoot(browser, "01-login")

    # A wrong password is refused and the form comes back.
    browser.find_element(By.ID, "user").send_keys(USER)
    browser.find_element(By.ID, "password").send_keys("not the password")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert "Wrong user name or password." in text(browser)
    assert browser.current_url.startswith(f"{base}/login")
    assert "Parked items" not in text(browser)

    # The right one lands on the page asked for first.
    browser.find_element(By.ID, "user").send_keys(USER)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert browser.current_url == f"{base}/parked", text(browser) + daemon.log()[-1500:]

    # The overview: ready, charts with this morning's work, one item parked.
    browser.get(f"{base}/")
    body = text(browser)
    assert "ready" in body and "Orders exported per hour" in body and "1 open" in body
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.bars rect.bar")) >= 2
    overview = shoot(browser, "02-overview")
    if os.environ.get("OC_BRIDGE_README_SCREENSHOT") == "1":
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(overview, README_IMAGE)

    # The parked shipment, with its exact reason and a link to its order.
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "1 open"))
    reason = f"unknown order number {early['number']}"
    [row] = browser.find_elements(By.CSS_SELECTOR, "table.parked tbody tr")
    assert reason in row.text and "shipment" in row.text and "csv" in row.text
    shoot(browser, "03-parked")

    # Fix the cause: the supplier confirms the order in Orderchamp; its webhook reaches the
    # daemon, which now knows (and exports) the order.
    sandbox.control.confirm_order(early["id"])
    with ledger(daemon) as store:
        assert wait_for(lambda: store.find_order_id(early["number"]) == early["id"], 30), \
            daemon.log()

    # Retry from the console.
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "went through (1 shipment(s) reported)" in text(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "table.parked tbody tr") == []
    [shipment] = sandbox.control.get_order(early["id"])["shipments"]
    assert shipment["isShipped"] and shipment["trackingNumber"] == "3SEARLY01"

    # The order's timeline shows it shipped, with the tracking number.
    browser.get(f"{base}/parked?show=all")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, early["number"]))
    assert browser.current_url == f"{base}/orders/{early['number']}"
    timeline = browser.find_element(By.CSS_SELECTOR, "table.timeline").text
    shipped = [line for line in timeline.splitlines() if "shipped" in line and "csv" in line]
    assert shipped and "PostNL 3SEARLY01" in shipped[-1], timeline
    assert "unknown order number" in timeline and "resolved" in timeline
    assert f"retry by console:{USER}" in timeline  # the audit trail names the operator
    status = browser.find_element(By.ID, "orderchamp-status").text
    assert sandbox.control.get_order(early["id"])["status"] in status, status
    shoot(browser, "04-order")
    with ledger(daemon) as store:
        [record] = store.shipments_for_order(early["id"], early["number"])
        assert record.state == ShipmentState.SHIPPED

    # The other pages render for a signed-in operator.
    browser.get(f"{base}/adapters")
    assert "pull_shipments" in text(browser) and "csv" in text(browser)
    shoot(browser, "05-adapters")
    browser.get(f"{base}/webhooks")
    assert "ORDER_CONFIRMED" in text(browser) and daemon.webhook_url in text(browser)
    shoot(browser, "06-webhooks")
    browser.get(f"{base}/")
    assert "0 open" in text(browser)

def test_forged_csrf_token_is_refused_in_the_browser(
    make_console_daemon: MakeDaemon, sandbox: Sandbox, browser: Any
) -> None:
    daemon = make_console_daemon()
    base = f"{daemon.base}/console"
    browser.get(f"{base}/login")
    browser.find_element(By.ID, "user").send_keys(USER)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert browser.current_url == f"{base}/"
    # Forge the log-out form's token (a page elsewhere cannot read the real one).
    field = browser.find_element(By.CSS_SELECTOR, "form.logout input[name=csrf_token]")
    browser.execute_script("arguments[0].value = 'forged-token';", field)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.logout button"))
    assert "security token is missing, wrong" in text(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "403"
    shoot(browser, "07-forged-csrf")
    browser.get(f"{base}/")  # still logged in: the forged request did nothing
    assert browser.current_url == f"{base}/"
