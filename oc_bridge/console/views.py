"""The console's pages and actions: one function per route of :data:`~oc_bridge.console.app.
ROUTES`, each taking a :class:`~oc_bridge.console.app.ConsoleRequest` and returning a response.

Actions call the same functions as their CLI commands, from :mod:`oc_bridge.actions` (retry,
resync and forget as ``oc-bridge retry`` and ``orders resync|forget``; hold and release as
``orders hold|release``), engine work with the request thread's own engine (claims keep it
apart from the workers), with the actor
``console:<user>`` they record in the audit trail; then they redirect back with a message
(post/redirect/get).
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape

from oc_bridge.actions.holds import hold_order, release_order
from oc_bridge.actions.repair import forget_export, resync_order, retry_parked
from oc_bridge.console.overview import adapters_page, overview_page, webhooks_page
from oc_bridge.console.security import verify_password
from oc_bridge.console.timeline import order_ledger
from oc_bridge.daemon.web import Response
from oc_bridge.engine import SyncSummary
from oc_bridge.errors import OcBridgeError
from oc_bridge.store import ExportState, ParkedItem, ShipmentState

if TYPE_CHECKING:
    from oc_bridge.console.app import ConsoleRequest

__all__ = ["PAGE_SIZE", "render"]

log = logging.getLogger(__name__)

#: Parked items per page.
PAGE_SIZE = 100

_env = Environment(loader=PackageLoader("oc_bridge.console", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["urlpart"] = lambda value: quote(str(value), safe="")
_env.filters["ts"] = lambda value: (str(value)[:19].replace("T", " ") + " UTC") if value else "-"

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml", ".png": "image/png"}


def render(ctx: ConsoleRequest, template: str, http_status: int = 200,
           **values: Any) -> Response:
    """Render ``template`` with the page basics (user, CSRF token, messages, active page)."""
    page = _env.get_template(template).render(
        user=ctx.user, csrf=ctx.csrf, flash=ctx.console.take_flash(ctx.session),
        path=ctx.http.path, account=ctx.account, accounts=list(ctx.console.accounts),
        **values)
    return Response(http_status, page.encode("utf-8"), "text/html; charset=utf-8")


def refused(ctx: ConsoleRequest, status: int, message: str) -> Response:
    """An error page (no data about the ledger on it)."""
    return render(ctx, "refused.html", status, code=status, message=message)


def _back(ctx: ConsoleRequest, message: str, fallback: str) -> Response:
    from oc_bridge.console.app import redirect, safe_next

    ctx.console.flash(ctx.session, message)
    return redirect(safe_next(ctx.form.get("next") or fallback))


# --- log-in ---------------------------------------------------------------------------------


def login_form(ctx: ConsoleRequest) -> Response:
    """The log-in form (or, when signed in already, the overview)."""
    from oc_bridge.console.app import redirect, safe_next

    if ctx.user is not None:
        return redirect(safe_next(ctx.query.get("next")))
    settings = ctx.console.settings
    return render(ctx, "login.html", next=safe_next(ctx.query.get("next")),
                  password_login=settings.password_hash is not None,
                  sso=settings.trusted_header, error=None)


def login(ctx: ConsoleRequest) -> Response:
    """Check the password (rate-limited per client and overall); a new session on success."""
    from oc_bridge.console.app import redirect, safe_next

    console, settings = ctx.console, ctx.console.settings
    client = ctx.http.remote or "unknown"
    target = safe_next(ctx.form.get("next"))
    values = {"next": target, "password_login": settings.password_hash is not None,
              "sso": settings.trusted_header}
    if not console.limiter.allowed(client):
        log.warning("console: log-in from %s refused: too many failed attempts", client)
        return render(ctx, "login.html", 429, error="Too many failed log-ins. Wait a few "
                      "minutes and try again.", **values)
    user, password = ctx.form.get("user", ""), ctx.form.get("password", "")
    stored = settings.password_hash.get_secret_value() if settings.password_hash else None
    if stored is None or user != settings.user or not verify_password(password, stored):
        console.limiter.failed(client)
        log.warning("console: failed log-in for %r from %s", user[:64], client)
        return render(ctx, "login.html", 401, error="Wrong user name or password.", **values)
    ctx.new_session = console.sessions.login(user)
    log.info("console: %s logged in from %s", user, client)
    return redirect(target)


def logout(ctx: ConsoleRequest) -> Response:
    """End the session (a new anonymous one replaces its cookie)."""
    from oc_bridge.console.app import redirect

    log.info("console: %s logged out", ctx.user)
    ctx.new_session = ctx.console.sessions.anonymous()
    return redirect("/console/login")


def switch_account(ctx: ConsoleRequest) -> Response:
    """Show another account (several-accounts daemons): remembered in a cookie."""
    from oc_bridge.console.app import redirect, safe_next

    name = ctx.form.get("account", "")
    if name not in ctx.console.accounts:
        return refused(ctx, 404, "No such account.")
    response = redirect(safe_next(ctx.form.get("next")))
    response.headers.append(ctx.console.account_cookie(name))
    return response


def static(ctx: ConsoleRequest) -> Response:
    """A file of the console's static folder (stylesheet)."""
    name = ctx.http.params["name"]
    suffix = name[name.rfind("."):] if "." in name else ""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*\.[a-z]+", name) or suffix not in _STATIC_TYPES:
        return Response.text(404, "not found\n")
    resource = resources.files("oc_bridge.console").joinpath("static", name)
    if not resource.is_file():
        return Response.text(404, "not found\n")
    response = Response(200, resource.read_bytes(), _STATIC_TYPES[suffix])
    return response


# --- pages ----------------------------------------------------------------------------------


def overview(ctx: ConsoleRequest) -> Response:
    """Health, inbox, reconciliation, API budget, adapter states, hourly charts."""
    return render(ctx, "overview.html", **overview_page(ctx.services))


def _order_ref(item: ParkedItem) -> str | None:
    if item.kind.value == "order":
        return item.reference
    return item.order_number


def parked(ctx: ConsoleRequest) -> Response:
    """Parked items (filter by kind, adapter, text; open or all) and failed exports and
    shipments waiting for their automatic retry."""
    store = ctx.services.runtime.store
    kind, adapter = ctx.query.get("kind", ""), ctx.query.get("adapter", "")
    text, show = ctx.query.get("q", "").strip(), ctx.query.get("show", "open")
    try:
        offset = max(0, int(ctx.query.get("offset", "0")))
    except ValueError:
        offset = 0
    items = store.list_parked(include_resolved=show == "all")
    adapters = sorted({i.instance for i in items if i.instance})
    needle = text.lower()
    matching = [i for i in items
                if (not kind or i.kind.value == kind)
                and (not adapter or (i.instance or "") == adapter)
                and (not needle or needle in " ".join(
                    filter(None, (i.reason, i.reference, i.order_number))).lower())]
    page = matching[offset:offset + PAGE_SIZE]
    filters = {"kind": kind, "adapter": adapter, "q": text, "show": show}
    more = offset + PAGE_SIZE < len(matching)
    failed_exports = store.list_exports([ExportState.FAILED])
    failed_shipments = store.list_shipments([ShipmentState.FAILED])
    return render(ctx, "parked.html", items=[(i, _order_ref(i)) for i in page],
                  total=len(matching), offset=offset, filters=filters, adapters=adapters,
                  next_page=urlencode({**filters, "offset": offset + PAGE_SIZE})
                  if more else None,
                  failed_exports=failed_exports, failed_shipments=failed_shipments,
                  here=ctx.http.path + (f"?{ctx.http.query}" if ctx.http.query else ""))


def _outcome(summary: SyncSummary) -> str:
    if summary.parked_reasons or summary.errors:
        return "still parked: " + "; ".join(summary.parked_reasons + summary.errors)
    done = [f"{n} {what}" for n, what in ((summary.exported, "exported"),
                                           (summary.updated, "updated"),
                                           (summary.cancelled, "cancelled"),
                                           (summary.shipments_reported, "shipment(s) reported"))
            if n]
    return "went through" + (f" ({', '.join(done)})" if done else " (nothing to change)")


def retry(ctx: ConsoleRequest) -> Response:
    """Retry one parked item now: :func:`oc_bridge.actions.repair.retry_parked`, as
    ``oc-bridge retry ID``."""
    services = ctx.services
    try:
        parked_id = int(ctx.http.params["parked_id"])
    except ValueError:
        return refused(ctx, 404, "No such parked item.")
    log.info("console: %s retries parked #%d", ctx.identity.actor, parked_id)
    try:
        # this request thread's own engine: claims keep it apart from the workers
        summary = retry_parked(services.context.engine, parked_id, actor=ctx.identity.actor)
    except OcBridgeError as exc:
        return _back(ctx, f"Retry of #{parked_id} refused: {exc}", "/console/parked")
    services.metrics.count_summary(summary)
    return _back(ctx, f"Retried #{parked_id}: {_outcome(summary)}", "/console/parked")


def _order_page(ctx: ConsoleRequest) -> str:
    return f"/console/orders/{quote(ctx.http.params['ref'], safe='')}"


def resync(ctx: ConsoleRequest) -> Response:
    """Fetch the order now and bring it up to date (at one adapter when the form names one):
    :func:`oc_bridge.actions.repair.resync_order`, as ``oc-bridge orders resync``."""
    services, ref = ctx.services, ctx.http.params["ref"]
    adapter = ctx.form.get("adapter") or None
    log.info("console: %s resyncs order %s (adapter %s)", ctx.identity.actor, ref,
             adapter or "all")
    try:
        # this request thread's own engine: claims keep it apart from the workers
        summary = resync_order(services.context.engine, ref, actor=ctx.identity.actor,
                               adapter=adapter)
    except OcBridgeError as exc:
        return _back(ctx, f"Resync of {ref} refused: {exc}", _order_page(ctx))
    services.metrics.count_summary(summary)
    return _back(ctx, f"Resynced {ref}" + (f" at {adapter}" if adapter else "")
                 + f": {_outcome(summary)}", _order_page(ctx))


def forget_form(ctx: ConsoleRequest) -> Response:
    """Ask for confirmation before forgetting an export, saying exactly what would go (the
    action's dry run)."""
    services, ref = ctx.services, ctx.http.params["ref"]
    adapter = ctx.query.get("adapter", "")
    try:
        preview = forget_export(services.runtime.store, ref, adapter=adapter,
                                actor=ctx.identity.actor, dry_run=True)
    except OcBridgeError as exc:
        return refused(ctx, 404, str(exc))
    return render(ctx, "forget.html", ref=ref, adapter=adapter, preview=preview.describe(),
                  back=_order_page(ctx))


def forget(ctx: ConsoleRequest) -> Response:
    """Forget the order's export at one adapter, after the confirmation page:
    :func:`oc_bridge.actions.repair.forget_export`, as ``oc-bridge orders forget --yes``."""
    services, ref = ctx.services, ctx.http.params["ref"]
    adapter = ctx.form.get("adapter", "")
    if ctx.form.get("confirm") != "yes":
        return refused(ctx, 400, "Forgetting an export needs the confirmation page's "
                       "Forget button.")
    log.info("console: %s forgets order %s at %s", ctx.identity.actor, ref, adapter)
    try:
        result = forget_export(services.runtime.store, ref, adapter=adapter,
                               actor=ctx.identity.actor,
                               claim_seconds=services.runtime.settings.sync.claim_seconds)
    except OcBridgeError as exc:
        return _back(ctx, f"Forget refused: {exc}", _order_page(ctx))
    return _back(ctx, result.describe().replace("`", ""), _order_page(ctx))


def hold(ctx: ConsoleRequest) -> Response:
    """Hold the order back from every warehouse with a reason:
    :func:`oc_bridge.actions.holds.hold_order`, as ``oc-bridge orders hold``."""
    ref = ctx.http.params["ref"]
    try:
        result = hold_order(ctx.services.runtime.store, ref, ctx.form.get("reason", ""),
                            ctx.identity.actor)
    except OcBridgeError as exc:
        return _back(ctx, f"Hold refused: {exc}", _order_page(ctx))
    log.info("console: %s: %s", ctx.identity.actor, result.message)
    return _back(ctx, " ".join([result.message, *result.warnings]), _order_page(ctx))


def release(ctx: ConsoleRequest) -> Response:
    """Release the order's hold: :func:`oc_bridge.actions.holds.release_order`, as
    ``oc-bridge orders release``."""
    ref = ctx.http.params["ref"]
    try:
        result = release_order(ctx.services.runtime.store, ref, ctx.identity.actor)
    except OcBridgeError as exc:
        return _back(ctx, f"Release refused: {exc}", _order_page(ctx))
    log.info("console: %s: %s", ctx.identity.actor, result.message)
    return _back(ctx, result.message, _order_page(ctx))


def find_order(ctx: ConsoleRequest) -> Response:
    """The order search box: go to the order page of the id or number typed."""
    from oc_bridge.console.app import redirect

    ref = ctx.query.get("ref", "").strip()
    if not ref:
        return redirect("/console/parked")
    return redirect(f"/console/orders/{quote(ref, safe='')}")


def order(ctx: ConsoleRequest) -> Response:
    """One order: its ledger timeline and where it stands in Orderchamp now (one lean query,
    ``OrderStatus``: a point or so)."""
    services = ctx.services
    ledger = order_ledger(services.runtime.store, ctx.http.params["ref"])
    status: dict[str, Any] | None = None
    status_error = None
    try:
        status = services.runtime.client.order_status(ledger.order_id)
    except OcBridgeError as exc:
        status_error = str(exc)
    if not ledger.known and status is None and status_error is None:
        return refused(ctx, 404, "Neither the ledger nor Orderchamp knows this order.")
    return render(ctx, "order.html", ledger=ledger, status=status, status_error=status_error,
                  parked_open=[p for p in ledger.parked if p.resolved_at is None],
                  hold=services.runtime.store.get_hold(ledger.order_id),
                  adapters=sorted(services.runtime.adapters), ref=ctx.http.params["ref"])


def adapters(ctx: ConsoleRequest) -> Response:
    """Each adapter instance: capabilities and its ``check()`` result now."""
    return render(ctx, "adapters.html", **adapters_page(ctx.services))


def webhooks(ctx: ConsoleRequest) -> Response:
    """Subscriptions at Orderchamp, last delivery per topic, refused deliveries."""
    return render(ctx, "webhooks.html", **webhooks_page(ctx.services))
