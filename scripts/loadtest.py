# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Load test: concurrent users over HTTP/JSON-RPC while the daily jobs run.

Run it through ``bash scripts/loadtest.sh [OPTIONS]`` (which checks Odoo and
PostgreSQL and links the checkout into an addons directory), or directly with
the Python that imports Odoo 18.0:

    python3 scripts/loadtest.py --addons-path DIR,/opt/odoo18/addons [OPTIONS]

It creates a throwaway database with sale_milestone_billing (no demo data),
builds customers, confirmed orders with billing schedules (a Days 0 milestone
billable now and two Manual ones per line, the second awaiting the customer's
acceptance for some customers), one user per client (sales manager and
billing) and a portal user per accepting customer, posts one invoice, one
credit note and one payment (Odoo's own first-number race on an empty journal
is not this module's), and sets the company to invoice and post automatically.
Only the two daily jobs stay active. Then it starts Odoo in prefork mode on a
free loopback port and runs the clients, each a thread with its own session,
over ``/web/dataset/call_kw`` and the portal's acceptance route: Create
Invoice, Invoice Milestones (preview, then create), reach, hold and release,
post, cancel, register a payment, partial credit notes (Final Reduction and
Bill Again Later), acceptance on the portal and re-plan after a price change.
The daily jobs are triggered twice during the run as their scheduler would be
(a trigger row and a notification to the cron worker). Once the run ends the
server stops, the ledger invariants are checked in SQL, and the figures are
printed. Exit status 1 on double billing, a broken invariant, or an error a
user got that is not a business message (UserError and its kin).
"""

import argparse
import datetime
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg2
import requests

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.service import db as db_service
from odoo.tools import config

MODULE = "sale_milestone_billing"
DAILY_JOBS = (
    f"{MODULE}.ir_cron_billing_milestone_housekeeping",
    f"{MODULE}.ir_cron_invoice_billing_milestones",
)
# Errors that tell the user something about their data or rights, in words.
BUSINESS_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
}
# What each client does, and how often (weights).
ACTIONS = {
    "create_invoice": 14,
    "wizard_invoice": 10,
    "reach": 20,
    "hold_release": 8,
    "post": 12,
    "cancel": 4,
    "pay": 8,
    "credit_final": 5,
    "credit_rebill": 5,
    "portal_accept": 8,
    "replan": 6,
}
# A 1 x 1 PNG, as the portal's signature pad sends it.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAEA//"
    "8DAAAGAAVXv6vUAAAAAElFTkSuQmCC"
)
JOB_LINE = re.compile(r"Job '([^']+)' \((\d+)\) (starting|done in|completed)")
RETRY_LINE = re.compile(r"(\w+), \d+ tries left, try again")
GOAL_RATIO = 1.3
GOAL_MAX_CALL = 2.0
GOAL_THROUGHPUT = 20.0


def out(text=""):
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Concurrent users over JSON-RPC against a prefork Odoo while "
        "the daily jobs run; checks the ledger in SQL at the end."
    )
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--duration", type=float, default=90.0, help="seconds")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--orders", type=int, default=150)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", help="write the figures as JSON to this path")
    return parser.parse_args(argv)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def commit(env):
    env.cr.commit()  # pylint: disable=invalid-commit


def git_commit():
    try:
        return subprocess.run(
            ["git", "log", "-1", "--format=%h"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# Database and data


def create_database(args, name):
    config.parse_config(
        [
            f"--addons-path={args.addons_path}",
            f"--database={name}",
            "--log-level=warn",
            "--without-demo=all",
            "--no-http",
            f"--init={MODULE}",
        ]
    )
    db_service._create_empty_database(name)
    config["init"]["base"] = True
    return Registry.new(name, update_module=True)


def build(registry, args):
    """Customers, users, orders, the journals started, the jobs set: the ids
    the clients need."""
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        company = env.company
        company.billing_milestone_auto_invoice = "post"
        customers = env["res.partner"].create(
            [
                {"name": f"Load customer {index}", "email": f"c{index}@example.com"}
                for index in range(max(args.clients * 2, args.orders // 5))
            ]
        )
        # Customer i accepts on the portal through client i only: one customer
        # does not answer the same request from two browsers at once.
        accepting = customers[: args.clients]
        portal = env.ref("base.group_portal")
        env["res.users"].with_context(no_reset_password=True).create(
            [
                {
                    "name": f"Portal {partner.name}",
                    "login": f"portal{index}",
                    "password": f"portal{index}",
                    "partner_id": partner.id,
                    "groups_id": [Command.set(portal.ids)],
                }
                for index, partner in enumerate(accepting)
            ]
        )
        groups = (
            env.ref("base.group_user")
            | env.ref("sales_team.group_sale_manager")
            | env.ref("account.group_account_invoice")
        )
        env["res.users"].with_context(no_reset_password=True).create(
            [
                {
                    "name": f"Load user {index}",
                    "login": f"user{index}",
                    "email": f"user{index}@example.com",
                    "password": f"user{index}",
                    "groups_id": [Command.set(groups.ids)],
                }
                for index in range(args.clients)
            ]
        )
        product = env["product.product"].create(
            {
                "name": "Load milestones",
                "type": "service",
                "invoice_policy": "delivery",
                "service_type": "milestones",
                "service_tracking": "no",
                "list_price": 1000.0,
            }
        )
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": customers[index % len(customers)].id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1.0,
                                "price_unit": float(rng.randint(500, 5000)),
                            }
                        )
                        for __ in range(2)
                    ],
                }
                for index in range(args.orders)
            ]
        )
        env["sale.billing.milestone"].create(
            [
                values
                for line in orders.order_line
                for values in (
                    {"sale_line_id": line.id, "name": "M1", "kind": "days"}
                    | {"days": 0, "percent": 30.0, "sequence": 1},
                    {"sale_line_id": line.id, "name": "M2", "kind": "manual"}
                    | {"percent": 40.0, "sequence": 2}
                    | {"requires_acceptance": line.order_partner_id in accepting},
                    {"sale_line_id": line.id, "name": "M3", "kind": "manual"}
                    | {"percent": 30.0, "sequence": 3},
                )
            ]
        )
        orders.action_confirm()
        start_journals(env, customers[-1])
        # Only the daily jobs run, and only when the test triggers them.
        jobs = env["ir.cron"].browse([env.ref(xmlid).id for xmlid in DAILY_JOBS])
        env["ir.cron"].search([("id", "not in", jobs.ids)]).active = False
        jobs.nextcall = datetime.datetime.now() + datetime.timedelta(days=7)
        env["ir.cron.trigger"].search([]).unlink()
        milestones = env["sale.billing.milestone"].search_count([])
        commit(env)
        cr.execute("ANALYZE")
        customer_orders = {
            str(partner.id): orders.filtered(
                lambda order, p=partner: order.partner_id == p
            ).ids
            for partner in accepting
        }
        return {
            "orders": orders.ids,
            "customer_orders": customer_orders,
            "accepting": accepting.ids,
            "milestones": milestones,
            "jobs": jobs.ids,
        }


def start_journals(env, partner):
    """One posted invoice, credit note and payment: the first numbers of the
    customer invoice, credit note and payment sequences are taken."""
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_line_ids": [
                Command.create({"name": "Start", "quantity": 1, "price_unit": 100})
            ],
        }
    )
    invoice.action_post()
    reversal = (
        env["account.move.reversal"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"reason": "Start", "journal_id": invoice.journal_id.id})
    )
    reversal.refund_moves()
    credit_note = reversal.new_move_ids
    credit_note.invoice_line_ids.price_unit = 10.0
    credit_note.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create({})._create_payments()


def drop_database(name):
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    db_service.exp_drop(name)


# The server


class Server:
    """Odoo in prefork mode on a free loopback port; its log parsed as it
    comes for the daily jobs' runs and the retried transactions."""

    def __init__(self, args, db, logfile):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "odoo",
            f"--addons-path={args.addons_path}",
            f"--database={db}",
            f"--db-filter=^{db}$",
            f"--workers={args.workers}",
            "--max-cron-threads=1",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            "--log-level=info",
            "--log-handler=werkzeug:WARNING",
        ]
        self.log = open(logfile, "w", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "TZ": "UTC"},
        )
        self.job_events = []  # (time, cron id, event)
        self.retries = Counter()
        self.problems = []  # WARNING/ERROR records
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            now = time.time()
            self.log.write(line)
            match = JOB_LINE.search(line)
            if match:
                self.job_events.append((now, int(match[2]), match[3]))
            match = RETRY_LINE.search(line)
            if match:
                self.retries[match[1]] += 1
            if re.search(r" \d+ (WARNING|ERROR|CRITICAL) ", line):
                self.problems.append(line.strip())
            elif line.startswith("ERROR:") and self.problems:
                # What PostgreSQL said of the bad query just logged.
                self.problems[-1] += " -> " + line.strip()
        self.log.close()

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Odoo exited at start, see its log")
            try:
                if requests.get(f"{self.url}/web/login", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("Odoo did not answer within 120 s")

    def stop(self):
        # SIGINT: prefork's graceful stop, workers finish their request; a
        # second signal stops them at once (a cron call in its transaction
        # rolls back); then kill.
        for stop in (signal.SIGINT, signal.SIGINT, signal.SIGKILL):
            self.process.send_signal(stop)
            try:
                self.process.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                continue
        self.reader.join(timeout=10)

    def job_windows(self, end):
        """Intervals during which a daily job ran, a run's calls merged."""
        windows, started = [], None
        for moment, __, event in self.job_events:
            if event == "starting" and started is None:
                started = moment
            elif event == "done in" and started is not None:
                windows.append([started, moment])
                started = None
        if started is not None:
            windows.append([started, end])
        merged = []
        for window in windows:
            # The next call of a run, or the invoicing job the housekeeping
            # triggers, starts within moments of the previous end.
            if merged and window[0] - merged[-1][1] < 2.0:
                merged[-1][1] = window[1]
            else:
                merged.append(window)
        return merged

    def job_running(self):
        running = False
        for __, __, event in self.job_events:
            running = event == "starting" or (running and event != "done in")
        return running


def trigger_daily_jobs(db, housekeeping_id):
    """What ir.cron._trigger does: a trigger row, then wake the cron worker,
    which listens on the postgres database."""
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, write_uid, "
            "create_date, write_date) VALUES (%s, now() at time zone 'UTC', 1, 1, "
            "now() at time zone 'UTC', now() at time zone 'UTC')",
            [housekeeping_id],
        )
    conn.close()
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("SELECT pg_notify('cron_trigger', %s)", [db])
    conn.close()


class LockSampler(threading.Thread):
    """Every half second, the sessions waiting for a lock and the statement of
    the session that blocks each (its last one, when idle in transaction)."""

    QUERY = """
        SELECT w.query, b.query, b.state
        FROM pg_stat_activity w
        JOIN pg_stat_activity b ON b.pid = (pg_blocking_pids(w.pid))[1]
        WHERE w.datname = %s AND w.wait_event_type = 'Lock'"""

    def __init__(self, db, stop):
        super().__init__(name="locks", daemon=True)
        self.db = db
        self.stop = stop
        self.samples = Counter()

    def run(self):
        conn = psycopg2.connect(dbname=self.db)
        conn.autocommit = True
        with conn.cursor() as cr:
            while not self.stop.wait(0.5):
                cr.execute(self.QUERY, [self.db])
                for waiting, blocking, state in cr.fetchall():
                    key = (statement(waiting), statement(blocking), state)
                    self.samples[key] += 1
        conn.close()


def statement(query):
    """A statement without its values, short enough for a line."""
    query = re.sub(r"\s+", " ", query or "").strip()
    query = re.sub(r"'[^']*'", "?", query)
    query = re.sub(r"\b\d+(\.\d+)?\b", "N", query)
    query = re.sub(r"\((N|\?)(, (N|\?))+\)", "(...)", query)
    return query[:100]


# The clients


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


class Client(threading.Thread):
    """One user's browser: an internal session, and the portal session of the
    customer this client accepts for."""

    def __init__(self, index, server, db, data, stop, seed):
        super().__init__(name=f"client{index}", daemon=True)
        self.index = index
        self.server = server
        self.db = db
        self.data = data
        self.stop = stop
        self.rng = random.Random(seed * 1000 + index)
        self.session = requests.Session()
        self.portal = requests.Session()
        self.customer = data["accepting"][index % len(data["accepting"])]
        self.calls = []  # (action, what was called, start, end, ok)
        self.actions = []  # dicts
        self.action = None

    def authenticate(self, session, login):
        self._post(
            session,
            "/web/session/authenticate",
            {"db": self.db, "login": login, "password": login},
        )

    def _post(self, session, path, params):
        started = time.time()
        ok = False
        try:
            response = session.post(
                f"{self.server.url}{path}",
                json={"jsonrpc": "2.0", "method": "call", "params": params},
                timeout=300,
            )
            if response.status_code != 200:
                raise RpcError(f"HTTP {response.status_code}", response.text[:200])
            body = response.json()
            if "error" in body:
                data = body["error"].get("data") or {}
                raise RpcError(
                    data.get("name", "unknown"),
                    data.get("message") or body["error"].get("message", ""),
                )
            ok = True
            # A method that returns None answers without a result.
            return body.get("result")
        except requests.RequestException as error:
            raise RpcError(type(error).__name__, str(error)) from None
        finally:
            what = params.get("method") or path
            self.calls.append((self.action, what, started, time.time(), ok))

    def call(self, model, method, *args, **kwargs):
        return self._post(
            self.session,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def search_ids(self, model, domain, limit=20, order="id desc"):
        return self.call(model, "search", domain, limit=limit, order=order)

    def orders(self):
        return self.rng.sample(self.data["orders"], self.rng.randint(1, 3))

    def run(self):
        self.authenticate(self.session, f"user{self.index}")
        self.authenticate(
            self.portal, f"portal{self.index % len(self.data['accepting'])}"
        )
        names, weights = zip(*ACTIONS.items(), strict=True)
        while not self.stop.is_set():
            self.action = self.rng.choices(names, weights)[0]
            started = time.time()
            try:
                done = getattr(self, f"do_{self.action}")()
                outcome, message = ("ok", "") if done is not False else ("idle", "")
            except RpcError as error:
                if error.name in BUSINESS_ERRORS and error.message.strip():
                    outcome = "business"
                else:
                    outcome = "failure"
                message = f"{error.name}: {error.message}"
            except Exception as error:  # noqa: BLE001 - an answer not understood
                outcome, message = "failure", f"client: {error!r}"
            self.actions.append(
                {
                    "action": self.action,
                    "start": started,
                    "end": time.time(),
                    "outcome": outcome,
                    "message": message,
                }
            )

    # The actions: False when there was nothing to do it on.

    def do_create_invoice(self):
        context = {"active_model": "sale.order", "active_ids": self.orders()}
        wizard = self.call(
            "sale.advance.payment.inv",
            "create",
            {"advance_payment_method": "delivered"},
            context=context,
        )
        self.call(
            "sale.advance.payment.inv", "create_invoices", [wizard], context=context
        )

    def do_wizard_invoice(self):
        wizard = self.call(
            "sale.billing.milestone.invoice",
            "create",
            {"order_ids": [Command.set(self.orders())]},
        )
        count = self.call(
            "sale.billing.milestone.invoice", "read", [wizard], ["milestone_count"]
        )[0]["milestone_count"]
        if not count:
            return False
        self.call("sale.billing.milestone.invoice", "action_create_invoices", [wizard])

    def do_reach(self):
        # A third of the time an order of the customer this client accepts for,
        # whose M2 then awaits the customer's acceptance.
        if self.rng.random() < 1 / 3:
            orders = self.data["customer_orders"][str(self.customer)]
        else:
            orders = self.orders()
        domain = [
            ("order_id", "in", orders),
            ("kind", "=", "manual"),
            ("is_reached", "=", False),
        ]
        # In schedule order, as a project goes.
        ids = self.search_ids("sale.billing.milestone", domain, limit=1, order="id")
        if not ids:
            return False
        self.call("sale.billing.milestone", "action_reach", ids)

    def do_hold_release(self):
        held = self.search_ids(
            "sale.billing.milestone",
            [("order_id", "in", self.orders()), ("on_hold", "=", True)],
            limit=1,
        )
        if held:
            action = self.call("sale.billing.milestone", "action_release", held)
        else:
            ids = self.search_ids(
                "sale.billing.milestone",
                [("order_id", "in", self.orders()), ("status", "=", "to_process")],
                limit=1,
            )
            if not ids:
                return False
            action = self.call("sale.billing.milestone", "action_hold", ids)
        wizard = self.call(
            "sale.billing.milestone.hold",
            "create",
            {"reason": "load test"},
            context=action["context"],
        )
        self.call("sale.billing.milestone.hold", "action_apply", [wizard])

    def pick_invoice(self, domain):
        ids = self.search_ids(
            "account.move",
            [
                ("move_type", "=", "out_invoice"),
                ("invoice_line_ids.billing_milestone_id", "!=", False),
            ]
            + domain,
        )
        return self.rng.choice(ids) if ids else None

    def do_post(self):
        invoice = self.pick_invoice([("state", "=", "draft")])
        if not invoice:
            return False
        self.call("account.move", "action_post", [invoice])

    def do_cancel(self):
        invoice = self.pick_invoice([("state", "=", "draft")])
        if not invoice:
            return False
        self.call("account.move", "button_cancel", [invoice])

    def do_pay(self):
        invoice = self.pick_invoice(
            [("state", "=", "posted"), ("payment_state", "in", ("not_paid", "partial"))]
        )
        if not invoice:
            return False
        context = {"active_model": "account.move", "active_ids": [invoice]}
        residual = self.call("account.move", "read", [invoice], ["amount_residual"])[0][
            "amount_residual"
        ]
        values = {}
        if self.rng.random() < 0.5:
            values["amount"] = round(residual / 2, 2)
        wizard = self.call(
            "account.payment.register", "create", values, context=context
        )
        self.call(
            "account.payment.register",
            "action_create_payments",
            [wizard],
            context=context,
        )

    def credit(self, intent):
        invoice = self.pick_invoice(
            [("state", "=", "posted"), ("payment_state", "in", ("not_paid", "partial"))]
        )
        if not invoice:
            return False
        context = {"active_model": "account.move", "active_ids": [invoice]}
        journal = self.call("account.move", "read", [invoice], ["journal_id"])[0][
            "journal_id"
        ][0]
        wizard = self.call(
            "account.move.reversal",
            "create",
            {
                "reason": "load test",
                "billing_credit_intent": intent,
                "journal_id": journal,
            },
            context=context,
        )
        action = self.call("account.move.reversal", "refund_moves", [wizard])
        # One credit note opens in a form; Odoo lists them otherwise.
        credit_note = action.get("res_id") or next(
            iter(
                self.search_ids(
                    "account.move",
                    [("reversed_entry_id", "=", invoice), ("state", "=", "draft")],
                    limit=1,
                )
            ),
            None,
        )
        if not credit_note:
            return False
        lines = self.call(
            "account.move",
            "read",
            [credit_note],
            ["invoice_line_ids"],
        )[0]["invoice_line_ids"]
        prices = self.call("account.move.line", "read", lines, ["price_unit"])
        # A part of each line: the credit note credits less than it billed.
        self.call(
            "account.move",
            "write",
            [credit_note],
            {
                "invoice_line_ids": [
                    Command.update(line["id"], {"price_unit": line["price_unit"] / 2})
                    for line in prices
                ]
            },
        )
        self.call("account.move", "action_post", [credit_note])

    def do_credit_final(self):
        return self.credit("final")

    def do_credit_rebill(self):
        return self.credit("rebill")

    def do_portal_accept(self):
        milestones = self.call(
            "sale.billing.milestone",
            "search_read",
            [
                ("partner_id", "=", self.customer),
                ("acceptance_state", "=", "requested"),
                ("status", "=", "to_process"),
            ],
            ["order_id"],
            limit=5,
        )
        if not milestones:
            return False
        milestone = self.rng.choice(milestones)
        path = (
            f"/my/orders/{milestone['order_id'][0]}/billing_milestone/"
            f"{milestone['id']}/accept"
        )
        result = self._post(
            self.portal, path, {"name": "Load Customer", "signature": SIGNATURE}
        )
        if result.get("error"):
            raise RpcError("odoo.exceptions.UserError", result["error"])

    def do_replan(self):
        processed = self.call(
            "sale.billing.milestone",
            "search_read",
            [("order_id", "in", self.orders()), ("status", "=", "processed")],
            ["sale_line_id"],
            limit=1,
        )
        if not processed:
            return False
        line_id = processed[0]["sale_line_id"][0]
        line = self.call(
            "sale.order.line", "read", [line_id], ["order_id", "price_unit"]
        )[0]
        # A price raised on the order, as its form saves it, then re-planned.
        self.call(
            "sale.order",
            "write",
            [line["order_id"][0]],
            {
                "order_line": [
                    Command.update(
                        line_id, {"price_unit": round(line["price_unit"] * 1.1, 2)}
                    )
                ]
            },
        )
        action = self.call("sale.order.line", "action_open_billing_replan", [line_id])
        wizard = self.call(
            "sale.billing.milestone.replan",
            "create",
            {"method": self.rng.choice(["proportional", "last", "new"])},
            context=action["context"],
        )
        self.call("sale.billing.milestone.replan", "action_apply", [wizard])


# Figures


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def overlaps(start, end, windows):
    return any(start <= w_end and end >= w_start for w_start, w_end in windows)


def summarize(actions, calls, windows, started, ended):
    wall = ended - started
    job_seconds = sum(
        max(0.0, min(end, ended) - max(start, started)) for start, end in windows
    )
    during = sum(1 for call in calls if overlaps(call[2], call[2], windows))
    figures = {}
    for name in ACTIONS:
        done = [a for a in actions if a["action"] == name]
        timed = [a for a in done if a["outcome"] != "idle"]
        row = {"outcomes": dict(Counter(a["outcome"] for a in done))}
        for label, subset in (
            ("all", timed),
            ("without_job", [a for a in timed if not a["during_job"]]),
            ("with_job", [a for a in timed if a["during_job"]]),
        ):
            seconds = [a["end"] - a["start"] for a in subset]
            row[label] = {
                "n": len(seconds),
                "p50": percentile(seconds, 0.5),
                "p95": percentile(seconds, 0.95),
                "max": max(seconds) if seconds else None,
            }
        figures[name] = row
    call_seconds = [call[3] - call[2] for call in calls]
    slowest = sorted(calls, key=lambda call: call[2] - call[3])[:8]
    return {
        "actions": figures,
        "calls": len(calls),
        "calls_per_second": len(calls) / wall,
        "job_seconds": job_seconds,
        "calls_per_second_without_job": (len(calls) - during) / (wall - job_seconds)
        if wall > job_seconds
        else None,
        "calls_per_second_with_job": during / job_seconds if job_seconds else None,
        "actions_per_second": len([a for a in actions if a["outcome"] != "idle"])
        / wall,
        "max_call": max(call_seconds) if call_seconds else None,
        "p95_call": percentile(call_seconds, 0.95),
        "slow_calls": sum(1 for s in call_seconds if s > GOAL_MAX_CALL),
        "slowest_calls": [
            {
                "action": action,
                "call": what,
                "at": start - started,
                "seconds": end - start,
                "during_job": overlaps(start, end, windows),
            }
            for action, what, start, end, __ in slowest
        ],
    }


def ms(value):
    return "-" if value is None else f"{value * 1000:,.0f}"


def print_figures(figures, windows, wall):
    out(
        f"\n==> {figures['calls']} calls in {wall:.0f} s: "
        f"{figures['calls_per_second']:.1f} calls/s, "
        f"{figures['actions_per_second']:.1f} actions/s; slowest call "
        f"{ms(figures['max_call'])} ms, p95 call {ms(figures['p95_call'])} ms, "
        f"{figures['slow_calls']} calls over {GOAL_MAX_CALL:.0f} s"
    )
    rates = [
        figures["calls_per_second_without_job"],
        figures["calls_per_second_with_job"],
    ]
    out(
        "    calls/s without the daily job "
        + " / with it ".join("-" if rate is None else f"{rate:.1f}" for rate in rates)
    )
    out(
        "    daily job ran "
        + ", ".join(f"{w[0]:.0f}+{w[1] - w[0]:.1f} s" for w in windows)
        if windows
        else "    the daily job did not run"
    )
    out(
        "    slowest calls: "
        + ", ".join(
            f"{c['action']} {c['call']} {c['seconds']:.1f} s at {c['at']:.0f} s"
            + (" (daily job)" if c["during_job"] else "")
            for c in figures["slowest_calls"][:5]
        )
    )
    out(
        f"\n{'action':<16} {'outcomes':<34} {'p50/p95/max ms, no job':>26}"
        f" {'p50/p95/max ms, daily job':>28}"
    )
    for name, row in figures["actions"].items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(row["outcomes"].items()))
        cells = [
            f"{ms(row[k]['p50'])}/{ms(row[k]['p95'])}/{ms(row[k]['max'])} "
            f"(n={row[k]['n']})"
            for k in ("without_job", "with_job")
        ]
        out(f"{name:<16} {outcomes:<34} {cells[0]:>26} {cells[1]:>28}")


def print_messages(actions):
    messages = Counter(
        (a["outcome"], a["action"], a["message"].split("\n")[0][:110])
        for a in actions
        if a["outcome"] in ("business", "failure")
    )
    if messages:
        out("\n==> errors users got (outcome, action, message; count)")
    for (outcome, action, message), count in messages.most_common():
        out(f"    {outcome:<8} {action:<15} {count:>4}  {message}")


def problem_kinds(problems):
    kinds = Counter()
    for line in problems:
        match = re.search(r" (WARNING|ERROR|CRITICAL) \S+ ([\w.]+): (.*)", line)
        if not match:
            kinds[line[:110]] += 1
            continue
        level, logger, message = match.groups()
        if message.startswith("bad query"):
            query, __, reason = message.partition(" -> ")
            # The statement's verb and table: which write met the conflict.
            query = query[len("bad query: b") :].replace("\\n", " ")
            words = re.findall(r"[A-Za-z_]+", query)
            message = f"bad query {' '.join(words[:3])} -> {reason}"
        message = re.sub(r"\d+", "N", message)[:110]
        kinds[f"{level} {logger}: {message}"] += 1
    return kinds


# The ledger, in SQL

INVARIANTS = {
    "no milestone billed by two live invoice lines": """
        SELECT billing_milestone_id, count(*) FROM account_move_line
        WHERE billing_milestone_live GROUP BY 1 HAVING count(*) > 1""",
    "a live line is a customer invoice line, not cancelled": """
        SELECT l.id FROM account_move_line l JOIN account_move m ON m.id = l.move_id
        WHERE l.billing_milestone_live
          AND (m.state = 'cancel' OR m.move_type != 'out_invoice')""",
    "processed exactly when a live line bills the milestone, and that line": """
        SELECT bm.id FROM sale_billing_milestone bm
        LEFT JOIN account_move_line l
          ON l.billing_milestone_id = bm.id AND l.billing_milestone_live
        WHERE (bm.status = 'processed') != (l.id IS NOT NULL)
           OR bm.invoice_line_id IS DISTINCT FROM l.id""",
    "per order line, billed net of posted credit notes <= its untaxed net": """
        SELECT sol.id, sol.price_subtotal, sum(CASE WHEN m.move_type = 'out_invoice'
               THEN l.price_subtotal ELSE -l.price_subtotal END)
        FROM account_move_line l
        JOIN account_move m ON m.id = l.move_id
        JOIN sale_billing_milestone bm ON bm.id = l.billing_milestone_id
        JOIN sale_order_line sol ON sol.id = bm.sale_line_id
        WHERE m.state != 'cancel'
          AND (m.move_type = 'out_invoice' OR m.state = 'posted')
        GROUP BY sol.id, sol.price_subtotal
        HAVING sum(CASE WHEN m.move_type = 'out_invoice'
               THEN l.price_subtotal ELSE -l.price_subtotal END)
               > sol.price_subtotal + 0.005""",
    "each posted invoice's untaxed amount = the sum of its lines": """
        SELECT m.id, m.amount_untaxed, sum(l.price_subtotal)
        FROM account_move m
        JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'product'
        WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')
        GROUP BY m.id, m.amount_untaxed
        HAVING abs(m.amount_untaxed - sum(l.price_subtotal)) > 0.005""",
    "no posted invoice paid beyond its total": """
        SELECT id, amount_residual, amount_total FROM account_move
        WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
          AND (amount_residual < -0.005 OR amount_residual > amount_total + 0.005)""",
}

LEDGER_COUNTS = """
    SELECT
      (SELECT count(*) FROM sale_billing_milestone),
      (SELECT count(*) FROM sale_billing_milestone WHERE status = 'processed'),
      (SELECT count(*) FROM sale_billing_milestone WHERE on_hold),
      (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'
         AND state = 'posted'),
      (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'
         AND state = 'draft'),
      (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'
         AND state = 'cancel'),
      (SELECT count(*) FROM account_move WHERE move_type = 'out_refund'
         AND state = 'posted'),
      (SELECT count(*) FROM account_payment),
      (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'
         AND create_uid = 1)"""


def check_ledger(db):
    results = {}
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        for name, query in INVARIANTS.items():
            cr.execute(query)
            results[name] = [list(map(str, row)) for row in cr.fetchall()]
        cr.execute(LEDGER_COUNTS)
        keys = (
            "milestones",
            "processed",
            "on_hold",
            "invoices_posted",
            "invoices_draft",
            "invoices_cancelled",
            "credit_notes_posted",
            "payments",
            "invoices_by_odoobot",
        )
        counts = dict(zip(keys, cr.fetchone(), strict=True))
    conn.close()
    return results, counts


# The run


def run(args, db, data, workdir):
    logfile = workdir / f"{db}.log"
    out(f"==> starting Odoo ({args.workers} workers, 1 cron thread); log {logfile}")
    server = Server(args, db, logfile)
    try:
        server.wait_ready()
        out(f"    serving on {server.url}; load average {load()}")
        stop = threading.Event()
        locks = LockSampler(db, stop)
        locks.start()
        clients = [
            Client(index, server, db, data, stop, args.seed)
            for index in range(args.clients)
        ]
        started = time.time()
        for client in clients:
            client.start()
        load_during = []
        triggers = [args.duration * 0.3, args.duration * 0.65]
        while time.time() - started < args.duration:
            elapsed = time.time() - started
            if triggers and elapsed >= triggers[0]:
                triggers.pop(0)
                if not server.job_running():
                    out(f"    {elapsed:.0f} s: daily jobs triggered")
                    trigger_daily_jobs(db, data["jobs"][0])
            load_during.append(os.getloadavg()[0])
            time.sleep(1.0)
        stop.set()
        for client in clients:
            client.join(timeout=300)
        ended = time.time()
        # The daily job may finish the call it is in; not the whole run, which
        # would keep the default run over five minutes on a loaded machine.
        deadline = time.time() + 30
        while server.job_running() and time.time() < deadline:
            time.sleep(0.5)
        if server.job_running():
            out("    the daily job was still running: stopped with the server")
    finally:
        server.stop()
    return server, clients, locks, started, ended, load_during


def goals(figures):
    rows = []
    worst = []
    for name, row in figures["actions"].items():
        with_job, without = row["with_job"]["p95"], row["without_job"]["p95"]
        if with_job is None or without is None:
            worst.append(f"{name} n/a")
            continue
        ratio = with_job / without
        worst.append(f"{name} {ratio:.2f}")
        rows.append(ratio <= GOAL_RATIO)
    # An action never timed with or without the job does not meet it.
    rows_ok = len(rows) == len(figures["actions"]) and all(rows)
    return [
        (
            rows_ok,
            f"p95 with the daily job <= {GOAL_RATIO} x without, every action "
            f"({', '.join(worst)})",
        ),
        (
            figures["max_call"] is not None and figures["max_call"] <= GOAL_MAX_CALL,
            f"no call over {GOAL_MAX_CALL:.0f} s (slowest {ms(figures['max_call'])} "
            f"ms, {figures['slow_calls']} over)",
        ),
        (
            figures["calls_per_second"] >= GOAL_THROUGHPUT,
            f">= {GOAL_THROUGHPUT:.0f} interactive calls/s "
            f"({figures['calls_per_second']:.1f})",
        ),
    ]


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    began = time.time()
    commit_id = git_commit()
    out(
        f"==> load test: {args.clients} clients, {args.orders} orders, "
        f"{args.duration:.0f} s, {os.cpu_count()} CPUs, Odoo {odoo.release.version}, "
        f"module at {commit_id}; load average {load()}"
    )
    db = f"smb_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    # The server's log: in SMB_LOAD_DIR when set, else in the scratch
    # directory scripts/loadtest.sh removes at the end.
    workdir = Path(
        os.environ.get("SMB_LOAD_DIR") or os.environ.get("SMB_WORK") or "/tmp"
    )
    out(f"==> creating database {db} with {MODULE}, no demo data")
    registry = create_database(args, db)
    data = build(registry, args)
    out(
        f"    {len(data['orders'])} confirmed orders, {data['milestones']} "
        f"milestones, built in {time.time() - began:.0f} s"
    )
    Registry.delete(db)
    odoo.sql_db.close_db(db)
    try:
        server, clients, locks, started, ended, load_during = run(
            args, db, data, workdir
        )
        invariants, counts = check_ledger(db)
    finally:
        if not args.keep_db:
            drop_database(db)
        else:
            out(f"kept database {db} (--keep-db)")
    wall = ended - started
    windows = server.job_windows(ended)
    actions = [action for client in clients for action in client.actions]
    calls = [call for client in clients for call in client.calls]
    for action in actions:
        action["during_job"] = overlaps(action["start"], action["end"], windows)
    figures = summarize(actions, calls, windows, started, ended)
    print_figures(figures, [[w[0] - started, w[1] - started] for w in windows], wall)
    out(
        f"    load average during the run: {min(load_during):.2f} to "
        f"{max(load_during):.2f}; now {load()}"
    )
    out(
        "    retried transactions (server log): "
        + (", ".join(f"{k} {v}" for k, v in server.retries.items()) or "none")
    )
    print_messages(actions)
    if locks.samples:
        out(
            "\n==> lock waits (samples every 0.5 s: waiting statement <- the "
            "blocking session's statement, its state)"
        )
    for (waiting, blocking, state), count in locks.samples.most_common(8):
        out(f"    {count:>4}  {waiting}\n          <- [{state}] {blocking}")
    problems = problem_kinds(server.problems)
    if problems:
        out(f"\n==> {len(server.problems)} WARNING/ERROR records in the server log")
    for kind, count in problems.most_common(12):
        out(f"    {count:>4}  {kind}")
    out("\n==> ledger: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    broken = False
    for name, rows in invariants.items():
        out(
            f"    {'OK    ' if not rows else 'BROKEN'} {name}"
            + (f": {rows[:5]}" if rows else "")
        )
        broken |= bool(rows)
    out("\n==> goals (reported, not enforced)")
    for met, text in goals(figures):
        out(f"    {'PASS' if met else 'MISS'} {text}")
    failures = sum(1 for a in actions if a["outcome"] == "failure")
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "commit": commit_id,
        "options": vars(args),
        "load_before": load(),
        "wall_seconds": wall,
        "job_windows": [[w[0] - started, w[1] - started] for w in windows],
        "retries": dict(server.retries),
        "lock_waits": [
            {"waiting": w, "blocking": b, "state": st, "samples": n}
            for (w, b, st), n in locks.samples.most_common()
        ],
        "figures": figures,
        "ledger": counts,
        "invariants": invariants,
        "failures": failures,
        "server_problems": server.problems,
    }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
        out(f"results written to {args.json}")
    out(f"wall time {time.time() - began:.0f} s")
    if broken or failures:
        out(
            f"FAILED: {failures} errors users got that are not business messages; "
            f"invariants {'broken' if broken else 'held'}"
        )
        return 1
    out("PASSED: no double billing, invariants held, users got business errors only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
