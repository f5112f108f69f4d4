"""Every SQL statement of the SQLite ledger, parametrised (named ``:param`` style).

Portable types only (TEXT, INTEGER; times as ISO-8601 UTC text) so the PostgreSQL module can
mirror this one statement by statement. ``MIGRATIONS`` is the ordered schema history: a step is
never edited once released; a change is a new step. Step 3 adds the webhook inbox, step 5 the
claims that keep two processes from doing one step twice (see docs/daemon.md).
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

#: (version, description, statements), applied in order inside one transaction at open.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "ledger: orders seen, exports, shipments, cursors, parked items", (
        """CREATE TABLE orders_seen (
            order_id TEXT PRIMARY KEY,
            number TEXT NOT NULL,
            status TEXT,
            updated_at TEXT,
            digest TEXT NOT NULL,
            is_confirmed INTEGER NOT NULL,
            is_cancelled INTEGER NOT NULL,
            seen_at TEXT NOT NULL
        )""",
        "CREATE INDEX orders_seen_number ON orders_seen (number)",
        """CREATE TABLE exports (
            instance TEXT NOT NULL,
            order_id TEXT NOT NULL,
            order_number TEXT NOT NULL,
            state TEXT NOT NULL,
            operation TEXT NOT NULL,
            revision INTEGER,
            digest TEXT,
            fingerprint TEXT,
            pending_revision INTEGER,
            pending_digest TEXT,
            pending_fingerprint TEXT,
            external_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (instance, order_id)
        )""",
        """CREATE TABLE shipments (
            instance TEXT NOT NULL,
            shipment_key TEXT NOT NULL,
            order_id TEXT,
            order_number TEXT,
            state TEXT NOT NULL,
            report_json TEXT NOT NULL,
            lines_json TEXT NOT NULL DEFAULT '[]',
            oc_shipment_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            create_intent_at TEXT,
            create_done_at TEXT,
            ship_intent_at TEXT,
            ship_done_at TEXT,
            PRIMARY KEY (instance, shipment_key)
        )""",
        """CREATE TABLE cursors (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE parked (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            instance TEXT,
            order_number TEXT,
            reason TEXT NOT NULL,
            payload TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            resolved_at TEXT,
            resolution TEXT
        )""",
    )),
    (2, "activity log and look-up indexes", (
        """CREATE TABLE activity (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            order_number TEXT,
            instance TEXT,
            state TEXT NOT NULL,
            message TEXT
        )""",
        "CREATE INDEX exports_state ON exports (state)",
        "CREATE INDEX shipments_state ON shipments (state)",
        "CREATE INDEX shipments_order ON shipments (order_id)",
        "CREATE INDEX parked_open ON parked (kind, reference, resolved_at)",
    )),
    (3, "webhook inbox", (
        """CREATE TABLE inbox (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event TEXT NOT NULL,
            order_id TEXT,
            invoice_id TEXT,
            group_key TEXT,
            digest TEXT NOT NULL,
            body TEXT NOT NULL,
            headers_json TEXT NOT NULL DEFAULT '{}',
            received_at TEXT NOT NULL,
            state TEXT NOT NULL,
            lease_owner TEXT,
            lease_expires_at TEXT,
            available_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            processed_at TEXT,
            UNIQUE (source, event, digest)
        )""",
        "CREATE INDEX inbox_ready ON inbox (state, available_at)",
        "CREATE INDEX inbox_group ON inbox (group_key, state)",
    )),
    (4, "workflow: stock pushes, invoices, awaiting-stock orders, delivery dates", (
        """CREATE TABLE stock_pushes (
            sku TEXT PRIMARY KEY,
            available INTEGER,
            pushed_at TEXT,
            rejected_available INTEGER,
            rejected_at TEXT,
            message TEXT
        )""",
        """CREATE TABLE invoices_seen (
            invoice_id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL,
            document_json TEXT NOT NULL,
            seen_at TEXT NOT NULL
        )""",
        "CREATE INDEX invoices_seen_order ON invoices_seen (order_id)",
        """CREATE TABLE invoice_deliveries (
            instance TEXT NOT NULL,
            invoice_id TEXT NOT NULL,
            delivered_at TEXT NOT NULL,
            PRIMARY KEY (instance, invoice_id)
        )""",
        """CREATE TABLE awaiting_stock (
            order_id TEXT PRIMARY KEY,
            order_number TEXT NOT NULL,
            short_json TEXT NOT NULL,
            since TEXT NOT NULL,
            checked_at TEXT NOT NULL
        )""",
        """CREATE TABLE delivery_dates (
            order_id TEXT PRIMARY KEY,
            instance TEXT NOT NULL,
            estimated TEXT NOT NULL,
            pushed_at TEXT NOT NULL
        )""",
    )),
    (5, "claims: one process at a time per side-effect step and per job", (
        """CREATE TABLE claims (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            takeovers INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX claims_expiry ON claims (expires_at)",
    )),
    (6, "audit trail: who did it (actor) on activity lines, looked up per order", (
        "ALTER TABLE activity ADD COLUMN actor TEXT",
        "CREATE INDEX activity_reference ON activity (reference)",
        "CREATE INDEX activity_order_number ON activity (order_number)",
    )),
    (7, "alerts: what was sent on which channel (dedupe, rate limit across restarts)", (
        """CREATE TABLE alert_keys (
            channel TEXT NOT NULL,
            alert_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            first_at TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            times INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (channel, alert_key)
        )""",
        """CREATE TABLE alert_sends (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            alerts INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            message TEXT
        )""",
        "CREATE INDEX alert_sends_channel ON alert_sends (channel, sent_at)",
    )),
    (8, "holds: orders held by hand and orders waiting for their export time", (
        """CREATE TABLE order_holds (
            order_id TEXT PRIMARY KEY,
            order_number TEXT,
            reason TEXT NOT NULL,
            actor TEXT,
            held_at TEXT NOT NULL
        )""",
        """CREATE TABLE order_waits (
            order_id TEXT PRIMARY KEY,
            order_number TEXT,
            due_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            since TEXT NOT NULL
        )""",
        "CREATE INDEX order_waits_due ON order_waits (due_at)",
    )),
)

# --- schema version -------------------------------------------------------------------------

CREATE_SCHEMA_VERSION = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
)"""
SELECT_SCHEMA_VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version"
INSERT_SCHEMA_VERSION = (
    "INSERT INTO schema_version (version, description, applied_at) "
    "VALUES (:version, :description, :at)"
)

# --- orders seen ----------------------------------------------------------------------------

UPSERT_ORDER = """INSERT INTO orders_seen
    (order_id, number, status, updated_at, digest, is_confirmed, is_cancelled, seen_at)
    VALUES (:order_id, :number, :status, :updated_at, :digest, :is_confirmed, :is_cancelled,
            :seen_at)
    ON CONFLICT (order_id) DO UPDATE SET number = excluded.number, status = excluded.status,
        updated_at = excluded.updated_at, digest = excluded.digest,
        is_confirmed = excluded.is_confirmed, is_cancelled = excluded.is_cancelled,
        seen_at = excluded.seen_at"""
SELECT_ORDER = "SELECT * FROM orders_seen WHERE order_id = :order_id"
FIND_ORDER_BY_NUMBER = (
    "SELECT order_id FROM orders_seen WHERE number = :number "
    "UNION SELECT order_id FROM exports WHERE order_number = :number"
)
COUNT_ORDERS = "SELECT COUNT(*) AS n FROM orders_seen"

# --- exports --------------------------------------------------------------------------------

SELECT_EXPORT = "SELECT * FROM exports WHERE instance = :instance AND order_id = :order_id"
SELECT_EXPORTS_FOR_ORDER = "SELECT * FROM exports WHERE order_id = :order_id ORDER BY instance"
SELECT_EXPORTS = "SELECT * FROM exports ORDER BY updated_at, order_id, instance"
INSERT_EXPORT = """INSERT INTO exports
    (instance, order_id, order_number, state, operation, pending_revision, pending_digest,
     pending_fingerprint, attempts, last_error, created_at, updated_at)
    VALUES (:instance, :order_id, :order_number, :state, :operation, :revision, :digest,
            :fingerprint, 0, NULL, :at, :at)"""
BEGIN_EXPORT = """UPDATE exports SET order_number = :order_number, state = :state,
    operation = :operation, pending_revision = :revision, pending_digest = :digest,
    pending_fingerprint = :fingerprint, updated_at = :at
    WHERE instance = :instance AND order_id = :order_id"""
FINISH_EXPORT = """UPDATE exports SET state = :state,
    revision = COALESCE(pending_revision, revision), digest = COALESCE(pending_digest, digest),
    fingerprint = COALESCE(pending_fingerprint, fingerprint),
    pending_revision = NULL, pending_digest = NULL, pending_fingerprint = NULL,
    external_id = COALESCE(:external_id, external_id), attempts = 0, last_error = NULL,
    updated_at = :at
    WHERE instance = :instance AND order_id = :order_id"""
FAIL_EXPORT = """UPDATE exports SET state = :state, operation = :operation,
    attempts = attempts + 1, last_error = :error, updated_at = :at,
    pending_revision = CASE WHEN :sent = 1 THEN pending_revision END,
    pending_digest = CASE WHEN :sent = 1 THEN pending_digest END,
    pending_fingerprint = CASE WHEN :sent = 1 THEN pending_fingerprint END
    WHERE instance = :instance AND order_id = :order_id"""
RESET_EXPORT = """UPDATE exports SET state = :state, attempts = 0, updated_at = :at
    WHERE instance = :instance AND order_id = :order_id AND state = :parked"""
COUNT_EXPORTS = "SELECT state, COUNT(*) AS n FROM exports GROUP BY state"

# --- shipments ------------------------------------------------------------------------------

SELECT_SHIPMENT = (
    "SELECT * FROM shipments WHERE instance = :instance AND shipment_key = :shipment_key"
)
SELECT_SHIPMENTS = "SELECT * FROM shipments ORDER BY updated_at, instance, shipment_key"
INSERT_SHIPMENT = """INSERT INTO shipments
    (instance, shipment_key, order_id, order_number, state, report_json, lines_json, attempts,
     created_at, updated_at)
    VALUES (:instance, :shipment_key, :order_id, :order_number, :state, :report_json, '[]', 0,
            :at, :at)"""
REFRESH_SHIPMENT = """UPDATE shipments SET order_id = :order_id, order_number = :order_number,
    state = :state, report_json = :report_json, updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key"""
BEGIN_SHIPMENT_CREATE = """UPDATE shipments SET order_id = :order_id,
    order_number = :order_number, state = :state, lines_json = :lines_json,
    create_intent_at = :at, updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key"""
SHIPMENT_CREATED = """UPDATE shipments SET state = :state, oc_shipment_id = :oc_shipment_id,
    create_done_at = :at, attempts = 0, last_error = NULL, updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key"""
BEGIN_SHIPMENT_SHIP = """UPDATE shipments SET state = :state, ship_intent_at = :at,
    updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key"""
SHIPMENT_SHIPPED = """UPDATE shipments SET state = :state, ship_done_at = :at, attempts = 0,
    last_error = NULL, updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key"""
FAIL_SHIPMENT = """UPDATE shipments SET state = :state, attempts = attempts + 1,
    last_error = :error, updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key"""
RESET_SHIPMENT = """UPDATE shipments SET state = :state, attempts = 0, updated_at = :at
    WHERE instance = :instance AND shipment_key = :shipment_key AND state = :parked"""
CLAIMED_SHIPMENT_IDS = (
    "SELECT oc_shipment_id FROM shipments "
    "WHERE order_id = :order_id AND oc_shipment_id IS NOT NULL"
)
COUNT_SHIPMENTS = "SELECT state, COUNT(*) AS n FROM shipments GROUP BY state"

# --- cursors --------------------------------------------------------------------------------

SELECT_CURSOR = "SELECT value FROM cursors WHERE name = :name"
UPSERT_CURSOR = """INSERT INTO cursors (name, value, updated_at) VALUES (:name, :value, :at)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"""
DELETE_CURSOR = "DELETE FROM cursors WHERE name = :name"

# --- parked ---------------------------------------------------------------------------------

SELECT_OPEN_PARKED = """SELECT * FROM parked WHERE kind = :kind AND reference = :reference
    AND COALESCE(instance, '') = COALESCE(:instance, '') AND resolved_at IS NULL
    ORDER BY id"""
INSERT_PARKED = """INSERT INTO parked
    (kind, reference, instance, order_number, reason, payload, created_at, updated_at)
    VALUES (:kind, :reference, :instance, :order_number, :reason, :payload, :at, :at)"""
UPDATE_PARKED = """UPDATE parked SET reason = :reason, payload = COALESCE(:payload, payload),
    order_number = COALESCE(:order_number, order_number), updated_at = :at WHERE id = :id"""
SELECT_PARKED = "SELECT * FROM parked WHERE id = :id"
SELECT_PARKED_ALL = "SELECT * FROM parked ORDER BY id"
SELECT_PARKED_OPEN_ALL = "SELECT * FROM parked WHERE resolved_at IS NULL ORDER BY id"
RESOLVE_PARKED = """UPDATE parked SET resolved_at = :at, resolution = :resolution,
    updated_at = :at WHERE id = :id AND resolved_at IS NULL"""
COUNT_PARKED = """SELECT SUM(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END) AS open,
    SUM(CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END) AS resolved FROM parked"""

# --- activity -------------------------------------------------------------------------------

INSERT_ACTIVITY = """INSERT INTO activity
    (at, kind, reference, order_number, instance, state, message, actor)
    VALUES (:at, :kind, :reference, :order_number, :instance, :state, :message, :actor)"""
#: Old machine lines go; an operator's action (``actor`` set) is the audit trail and stays.
PRUNE_ACTIVITY = """DELETE FROM activity WHERE actor IS NULL
    AND id <= (SELECT MAX(id) FROM activity) - :keep"""
SELECT_ACTIVITY = "SELECT * FROM activity ORDER BY id DESC LIMIT :limit"
DELETE_EXPORT = "DELETE FROM exports WHERE instance = :instance AND order_id = :order_id"
#: Forget what the back end holds but keep counting revisions: the order is submitted again
#: under the next revision (adapters are idempotent on reference and revision, so an old
#: revision would be taken for already done), and the row is resumed like a failed step.
FORGET_EXPORT = """UPDATE exports SET state = 'failed', operation = 'submit',
    pending_revision = CASE WHEN COALESCE(pending_revision, 0) > COALESCE(revision, 0)
        THEN pending_revision ELSE COALESCE(revision, 0) END + 1,
    revision = NULL, digest = NULL, fingerprint = NULL, pending_digest = NULL,
    pending_fingerprint = NULL, external_id = NULL, attempts = 0, last_error = :note,
    updated_at = :at
    WHERE instance = :instance AND order_id = :order_id"""

# --- webhook inbox (schema version 3) -----------------------------------------------------------

INBOX_INSERT = """INSERT INTO inbox
    (source, event, order_id, invoice_id, group_key, digest, body, headers_json, received_at,
     state, available_at, attempts)
    VALUES (:source, :event, :order_id, :invoice_id, :group_key, :digest, :body, :headers_json,
            :at, 'pending', :available_at, 0)
    ON CONFLICT (source, event, digest) DO NOTHING"""
#: The oldest ready item whose group nobody holds under a live lease.
INBOX_NEXT_READY = """SELECT id, group_key FROM inbox
    WHERE ((state = 'pending' AND available_at <= :now)
           OR (state = 'leased' AND lease_expires_at <= :now))
      AND (group_key IS NULL OR group_key NOT IN (
           SELECT group_key FROM inbox WHERE state = 'leased' AND lease_expires_at > :now
             AND group_key IS NOT NULL))
    ORDER BY id LIMIT 1"""
INBOX_LEASE_GROUP = """UPDATE inbox SET state = 'leased', lease_owner = :owner,
    lease_expires_at = :expires, attempts = attempts + 1
    WHERE group_key = :group_key
      AND (state = 'pending' OR (state = 'leased' AND lease_expires_at <= :now))"""
INBOX_LEASE_ONE = """UPDATE inbox SET state = 'leased', lease_owner = :owner,
    lease_expires_at = :expires, attempts = attempts + 1 WHERE id = :id"""
INBOX_SELECT_LEASED = (
    "SELECT * FROM inbox WHERE lease_owner = :owner AND state = 'leased' ORDER BY id"
)
INBOX_SELECT = "SELECT * FROM inbox WHERE id = :id"
INBOX_DONE = """UPDATE inbox SET state = 'done', processed_at = :at, lease_owner = NULL,
    lease_expires_at = NULL, last_error = NULL WHERE id = :id AND lease_owner = :owner"""
INBOX_RETRY = """UPDATE inbox SET state = 'pending', available_at = :available_at,
    lease_owner = NULL, lease_expires_at = NULL, last_error = :error
    WHERE id = :id AND lease_owner = :owner"""
INBOX_PARK = """UPDATE inbox SET state = 'parked', processed_at = :at, lease_owner = NULL,
    lease_expires_at = NULL, last_error = :error WHERE id = :id AND lease_owner = :owner"""
INBOX_RELEASE = """UPDATE inbox SET state = 'pending', lease_owner = NULL,
    lease_expires_at = NULL, attempts = MAX(attempts - 1, 0)
    WHERE id = :id AND lease_owner = :owner"""
INBOX_DEFER = """UPDATE inbox SET state = 'pending', available_at = :available_at,
    lease_owner = NULL, lease_expires_at = NULL, attempts = MAX(attempts - 1, 0),
    last_error = :error WHERE id = :id AND lease_owner = :owner"""
INBOX_COUNT_STATES = "SELECT state, COUNT(*) AS n FROM inbox GROUP BY state"
INBOX_PRUNE = "DELETE FROM inbox WHERE state IN ('done', 'parked') AND processed_at < :before"

# --- workflow (schema version 4): stock, invoices, awaiting stock, delivery dates ---------------

STOCK_SELECT_ALL = "SELECT * FROM stock_pushes ORDER BY sku"
STOCK_SELECT_REJECTED = "SELECT * FROM stock_pushes WHERE rejected_at IS NOT NULL ORDER BY sku"
STOCK_UPSERT_PUSHED = """INSERT INTO stock_pushes (sku, available, pushed_at)
    VALUES (:sku, :available, :at)
    ON CONFLICT (sku) DO UPDATE SET available = excluded.available,
        pushed_at = excluded.pushed_at, rejected_available = NULL, rejected_at = NULL,
        message = NULL"""
STOCK_UPSERT_REJECTED = """INSERT INTO stock_pushes (sku, rejected_available, rejected_at, message)
    VALUES (:sku, :available, :at, :message)
    ON CONFLICT (sku) DO UPDATE SET rejected_available = excluded.rejected_available,
        rejected_at = excluded.rejected_at, message = excluded.message"""
INVOICE_UPSERT = """INSERT INTO invoices_seen (invoice_id, order_id, document_json, seen_at)
    VALUES (:invoice_id, :order_id, :document_json, :at)
    ON CONFLICT (invoice_id) DO UPDATE SET document_json = excluded.document_json"""
INVOICE_SELECT_ALL = "SELECT * FROM invoices_seen ORDER BY seen_at, invoice_id"
INVOICE_SELECT_ORDER = (
    "SELECT * FROM invoices_seen WHERE order_id = :order_id ORDER BY seen_at, invoice_id"
)
INVOICE_DELIVERY_INSERT = """INSERT INTO invoice_deliveries (instance, invoice_id, delivered_at)
    VALUES (:instance, :invoice_id, :at) ON CONFLICT (instance, invoice_id) DO NOTHING"""
INVOICE_DELIVERY_SELECT = "SELECT * FROM invoice_deliveries ORDER BY delivered_at"
AWAITING_UPSERT = """INSERT INTO awaiting_stock (order_id, order_number, short_json, since,
    checked_at) VALUES (:order_id, :order_number, :short_json, :at, :at)
    ON CONFLICT (order_id) DO UPDATE SET short_json = excluded.short_json,
        checked_at = excluded.checked_at"""
AWAITING_DELETE = "DELETE FROM awaiting_stock WHERE order_id = :order_id"
AWAITING_SELECT_ALL = "SELECT * FROM awaiting_stock ORDER BY since, order_id"
DELIVERY_SELECT = "SELECT * FROM delivery_dates WHERE order_id = :order_id"
EXPORT_ADOPT_CONTENT = """UPDATE exports SET digest = :digest, fingerprint = :fingerprint,
    updated_at = :at WHERE instance = :instance AND order_id = :order_id
      AND state = 'exported' AND pending_revision IS NULL AND digest = :expected"""
DELIVERY_UPSERT = """INSERT INTO delivery_dates (order_id, instance, estimated, pushed_at)
    VALUES (:order_id, :instance, :estimated, :at)
    ON CONFLICT (order_id) DO UPDATE SET instance = excluded.instance,
        estimated = excluded.estimated, pushed_at = excluded.pushed_at"""

# --- claims (schema version 5) ----------------------------------------------------------------

CLAIM_INSERT = """INSERT INTO claims (name, owner, claimed_at, expires_at, takeovers)
    VALUES (:name, :owner, :now, :expires, 0) ON CONFLICT (name) DO NOTHING"""
#: Renewal by the holder, or takeover of an expired claim or of one whose holder is known dead
#: (``:dead``, NULL when none): the WHERE clause is the whole decision, so two takers race
#: safely on the row count.
CLAIM_TAKE = """UPDATE claims SET
    takeovers = takeovers + CASE WHEN owner = :owner THEN 0 ELSE 1 END,
    claimed_at = CASE WHEN owner = :owner THEN claimed_at ELSE :now END,
    owner = :owner, expires_at = :expires
    WHERE name = :name AND (owner = :owner OR expires_at <= :now OR owner = :dead)"""
CLAIM_RENEW = """UPDATE claims SET expires_at = :expires WHERE name = :name AND owner = :owner"""
CLAIM_RELEASE = "DELETE FROM claims WHERE name = :name AND owner = :owner"
CLAIM_SELECT = "SELECT * FROM claims WHERE name = :name"
CLAIM_SELECT_ALL = "SELECT * FROM claims ORDER BY name"
CLAIM_PRUNE = "DELETE FROM claims WHERE expires_at < :before"

# --- read-only views for the operator console --------------------------------------------------

VIEW_SHIPMENT_KEYS_FOR_ORDER = """SELECT instance, shipment_key FROM shipments
    WHERE order_id = :order_id OR order_number = :order_number
    ORDER BY created_at, shipment_key"""
VIEW_PARKED_FOR_ORDER = """SELECT * FROM parked
    WHERE reference = :order_id OR order_number = :order_number ORDER BY id"""
VIEW_ACTIVITY_FOR_ORDER = """SELECT * FROM activity
    WHERE reference = :order_id OR order_number = :order_number ORDER BY id"""
VIEW_EXPORT_STATES_BY_INSTANCE = """SELECT instance, state, COUNT(*) AS n FROM exports
    GROUP BY instance, state"""
VIEW_SHIPMENT_STATES_BY_INSTANCE = """SELECT instance, state, COUNT(*) AS n FROM shipments
    GROUP BY instance, state"""
#: Exports that reached a back end (a held revision), by when their first step began.
VIEW_EXPORT_TIMES = """SELECT created_at AS at FROM exports
    WHERE revision IS NOT NULL AND created_at >= :since"""
VIEW_SHIPPED_TIMES = """SELECT ship_done_at AS at FROM shipments
    WHERE ship_done_at IS NOT NULL AND ship_done_at >= :since"""
VIEW_INBOX_OLDEST_OPEN = """SELECT MIN(received_at) AS oldest FROM inbox
    WHERE state IN ('pending', 'leased')"""
VIEW_INBOX_LAST_BY_EVENT = """SELECT event, MAX(received_at) AS last FROM inbox
    WHERE source = :source GROUP BY event"""

# --- alerts (schema version 7): stuck-item queries, dedupe and rate limit --------------------

#: Unfinished exports with the time their work began: a new export since its row was created;
#: an update or cancellation since the Orderchamp change it carries (compared by the caller:
#: Orderchamp's times are not in the ledger's own format).
ALERT_UNFINISHED_EXPORTS = """SELECT e.instance, e.order_id, e.order_number, e.state,
    e.operation, e.attempts, e.last_error, e.updated_at,
    CASE WHEN e.operation = 'submit' THEN e.created_at ELSE o.updated_at END AS change_at,
    e.created_at
    FROM exports e LEFT JOIN orders_seen o ON o.order_id = e.order_id
    WHERE e.state IN ('submitting', 'updating', 'cancelling', 'failed')
    ORDER BY e.created_at, e.order_id, e.instance"""
ALERT_UNFINISHED_SHIPMENTS = """SELECT instance, shipment_key, order_id, order_number, state,
    attempts, last_error, created_at, updated_at FROM shipments
    WHERE state IN ('received', 'creating', 'created', 'shipping', 'failed')
      AND created_at < :before
    ORDER BY created_at, instance, shipment_key"""
ALERT_UNPROCESSED_INBOX = """SELECT id, source, event, order_id, state, attempts, last_error,
    received_at FROM inbox WHERE state IN ('pending', 'leased') AND received_at < :before
    ORDER BY id"""
#: Confirmed orders waiting for fulfilment that no instance holds (exported or past it) and
#: that are not parked for a human already (a parked order alerts as parked).
ALERT_CONFIRMED_UNEXPORTED = """SELECT o.* FROM orders_seen o
    WHERE o.is_confirmed = 1 AND o.is_cancelled = 0 AND o.status = 'AWAITING_FULFILMENT'
      AND NOT EXISTS (SELECT 1 FROM exports e WHERE e.order_id = o.order_id
                      AND e.state IN ('exported', 'updating', 'cancelling', 'cancelled'))
      AND NOT EXISTS (SELECT 1 FROM parked p WHERE p.reference = o.order_id
                      AND p.kind = 'order' AND p.resolved_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM order_holds h WHERE h.order_id = o.order_id)
    ORDER BY o.order_id"""
#: Orders exported before :before with no parcel shipped yet, still waiting for fulfilment
#: at Orderchamp as far as the ledger last saw (shipped, delivered, cancelled ones left out).
ALERT_EXPORTED_UNSHIPPED = """SELECT e.instance, e.order_id, e.order_number, e.created_at
    FROM exports e LEFT JOIN orders_seen o ON o.order_id = e.order_id
    WHERE e.state = 'exported' AND e.created_at < :before
      AND (o.status IS NULL OR o.status IN ('AWAITING_FULFILMENT', 'FULFILMENT_IN_PROGRESS'))
      AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = e.order_id
                      AND s.state = 'shipped')
    ORDER BY e.created_at, e.order_id, e.instance"""
#: Whether Orderchamp delivered a webhook about an order since a time (lost-webhook check).
ALERT_WEBHOOK_SINCE = """SELECT COUNT(*) AS n FROM inbox WHERE source = 'orderchamp'
    AND order_id = :order_id AND received_at >= :since"""
#: Reserve an alert key on a channel: inserted, or taken again once its last sending is older
#: than :cutoff. The row count says whether this caller may send it (two racing senders
#: never both get 1).
ALERT_KEY_RESERVE = """INSERT INTO alert_keys (channel, alert_key, kind, first_at, sent_at, times)
    VALUES (:channel, :alert_key, :kind, :at, :at, 1)
    ON CONFLICT (channel, alert_key) DO UPDATE SET sent_at = excluded.sent_at,
        times = alert_keys.times + 1
    WHERE alert_keys.sent_at <= :cutoff"""
#: A reservation whose sending failed: free again at once.
ALERT_KEY_RELEASE = """UPDATE alert_keys SET sent_at = '' WHERE channel = :channel
    AND alert_key = :alert_key AND sent_at = :at"""
ALERT_KEYS_PRUNE = "DELETE FROM alert_keys WHERE sent_at < :before"
ALERT_SEND_INSERT = """INSERT INTO alert_sends (channel, sent_at, alerts, outcome, message)
    VALUES (:channel, :at, :alerts, :outcome, :message)"""
ALERT_SENDS_COUNT = """SELECT COUNT(*) AS n FROM alert_sends WHERE channel = :channel
    AND outcome = 'sent' AND sent_at >= :since"""
ALERT_SENDS_RECENT = "SELECT * FROM alert_sends ORDER BY id DESC LIMIT :limit"
ALERT_SENDS_PRUNE = "DELETE FROM alert_sends WHERE sent_at < :before"

# --- holds (schema version 8) -----------------------------------------------------------------

HOLD_INSERT = """INSERT INTO order_holds (order_id, order_number, reason, actor, held_at)
    VALUES (:order_id, :order_number, :reason, :actor, :at) ON CONFLICT (order_id) DO NOTHING"""
HOLD_SELECT = "SELECT * FROM order_holds WHERE order_id = :order_id"
HOLD_SELECT_ALL = "SELECT * FROM order_holds ORDER BY held_at, order_id"
HOLD_DELETE = "DELETE FROM order_holds WHERE order_id = :order_id"
WAIT_UPSERT = """INSERT INTO order_waits (order_id, order_number, due_at, reason, since)
    VALUES (:order_id, :order_number, :due_at, :reason, :since)
    ON CONFLICT (order_id) DO UPDATE SET due_at = excluded.due_at, reason = excluded.reason,
        since = excluded.since,
        order_number = COALESCE(excluded.order_number, order_waits.order_number)"""
WAIT_SELECT = "SELECT * FROM order_waits WHERE order_id = :order_id"
WAIT_SELECT_ALL = "SELECT * FROM order_waits ORDER BY due_at, order_id"
WAIT_SELECT_DUE = "SELECT * FROM order_waits WHERE due_at <= :now ORDER BY due_at, order_id"
WAIT_DELETE = "DELETE FROM order_waits WHERE order_id = :order_id"
