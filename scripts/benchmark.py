# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Side-by-side benchmark: Odoo's own milestone invoicing against billing schedules.

Run it through ``bash scripts/benchmark.sh [OPTIONS]`` (which checks Odoo and
PostgreSQL and links the checkout into an addons directory), or directly with
the Python that imports Odoo 18.0:

    python3 scripts/benchmark.py --addons-path DIR,/opt/odoo18/addons [OPTIONS]

It creates a throwaway database, installs sale_milestone_billing without demo
data, enables project milestones, and for every shape (orders x lines x
milestones) builds, each round, the same orders three times and invoices them:

- standard: lines of a plain "Based on Milestones" service, Odoo's own project
  milestones all reached, Create Invoice (Regular) over all the orders at once;
- ours: the same lines with a billing schedule all billable today, through the
  same Create Invoice call;
- wizard: the same, through the batch wizard (Invoice Milestones).

The first round warms up and is discarded; the order of the three sides turns
every round; medians of the other rounds are reported, and the ratio
ours/standard is the median of each round's own ratio. Peak Python memory
(tracemalloc) is measured in one more round, since tracing slows the code it
traces. Then the daily job invoices ``--daily-sizes`` orders as Odoo 18's
scheduler drives it: one call per batch, a commit after each call, again while
the job reports progress and orders remaining (or, with ``--daily-calls``, for
its first calls only, on orders copied by SQL with ``--daily-clone``).

With ``--large``, instead of the invoicing shapes: one large order per side
(``--large-shapes``, lines x milestones; standard has Odoo's project
milestones, all reached) is opened (``web_read`` of the form's
specification), saved with one edit (``web_save``) and invoiced (Create
Invoice), rounds interleaved, ratios paired per round; then the Billing
Milestones menu's list and pivot requests are timed on ``--listing-size``
milestones and their slowest queries explained (EXPLAIN ANALYZE).
"""

import argparse
import cProfile
import datetime
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from lxml import etree

import odoo
from odoo import Command, api, sql_db
from odoo.modules.registry import Registry
from odoo.osv import expression
from odoo.service import db as db_service
from odoo.tools import SQL, config
from odoo.tools.safe_eval import safe_eval

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

MODULE = "sale_milestone_billing"
SIDES = ("standard", "ours", "wizard")
SIDE_LABELS = {
    "standard": "standard, Create Invoice",
    "ours": "ours, Create Invoice",
    "wizard": "ours, batch wizard",
}
CRON_XMLID = f"{MODULE}.ir_cron_invoice_billing_milestones"
DAILY_BUILD_CHUNK = 500  # orders built per transaction for the daily job


def out(text=""):
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def load():
    return [round(value, 2) for value in os.getloadavg()]


def median(values):
    return statistics.median(values) if values else None


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", maxsplit=1)[0],
        epilog="The issue's daily-job sizes: --daily-sizes 1000,5000,10000. Large "
        "orders, list and pivot, daily job at 100,000: --large --rounds 5 "
        "--daily-sizes 10000,100000 --daily-calls 10 --daily-clone "
        "--daily-tracemalloc.",
    )
    parser.add_argument(
        "--addons-path",
        required=True,
        help="Odoo addons path holding the module under its technical name",
    )
    parser.add_argument(
        "--orders", type=int, default=5, help="orders per shape (default 5)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measured rounds, after one discarded warm-up round (default 3)",
    )
    parser.add_argument(
        "--shapes",
        default="1,5,20",
        help="values of M: N orders x M lines x 1 milestone and N orders x 1 line "
        "x M milestones (default 1,5,20)",
    )
    parser.add_argument(
        "--daily-sizes",
        default="150",
        help="orders (1 line x 1 milestone each) the daily job invoices, one run "
        "per size (default 150; the issue's: 1000,5000,10000; 0 skips it)",
    )
    parser.add_argument(
        "--daily-tracemalloc",
        action="store_true",
        help="run the daily job a second time under tracemalloc for its Python "
        "peak per call (slow: tracing triples the run)",
    )
    parser.add_argument(
        "--daily-calls",
        type=int,
        default=0,
        help="time only the first N calls of the daily job at each size, the "
        "backlog largest (default 0: run it until done)",
    )
    parser.add_argument(
        "--daily-clone",
        action="store_true",
        help="build the daily job's orders as SQL copies of 50 orders the ORM "
        "built, instead of through the ORM (minutes instead of hours at 100,000)",
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help="instead of the invoicing shapes: large orders (open, save a "
        "schedule edit, Create Invoice) and the Billing Milestones list and "
        "pivot on --listing-size milestones; the daily job runs as usual",
    )
    parser.add_argument(
        "--large-shapes",
        default="50x4,1x50,1x200",
        help="lines x milestones of one large order, with --large "
        "(default 50x4,1x50,1x200; 0 skips them)",
    )
    parser.add_argument(
        "--listing-size",
        type=int,
        default=100000,
        help="billing milestones under the list and pivot, with --large "
        "(a multiple of 1000; default 100000; 0 skips it)",
    )
    parser.add_argument(
        "--database",
        help="use this existing database (module installed) instead of a "
        "throwaway one; it is kept",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the throwaway database"
    )
    parser.add_argument("--json", metavar="PATH", help="write the results here")
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="dump pstats of ours Create Invoice path (one extra round per "
        "shape); with --large, of ours' open, save and Create Invoice, to "
        "PATH.<shape>.<request>",
    )
    args = parser.parse_args(argv)
    args.shapes = sorted({int(value) for value in args.shapes.split(",")})
    args.daily_sizes = [
        int(value) for value in args.daily_sizes.split(",") if int(value) > 0
    ]
    args.large_shapes = [
        tuple(int(part) for part in value.split("x"))
        for value in args.large_shapes.split(",")
        if value not in ("", "0")
    ]
    if args.rounds < 1 or args.orders < 1:
        parser.error("--rounds and --orders must be at least 1")
    return args


def machine_info():
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "odoo": odoo.release.version,
        "python": sys.version.split()[0],
        "module_commit": commit,
    }


# Database


def open_registry(args):
    """The registry of the benchmark database, created with the module if new."""
    name = args.database or f"smb_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    odoo_args = [
        f"--addons-path={args.addons_path}",
        f"--database={name}",
        "--log-level=warn",
        "--without-demo=all",
        "--no-http",
    ]
    if not args.database:
        odoo_args.append(f"--init={MODULE}")
    config.parse_config(odoo_args)
    if not args.database:
        out(f"==> creating database {name} with {MODULE}, no demo data")
        started = time.perf_counter()
        db_service._create_empty_database(name)
        config["init"]["base"] = True
        registry = Registry.new(name, update_module=True)
        out(f"    installed in {time.perf_counter() - started:.0f} s")
    else:
        registry = Registry(name)
    return registry


def drop_database(name):
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    db_service.exp_drop(name)


@contextmanager
def environment(registry, user_xmlid="base.user_admin"):
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        user = env.ref(user_xmlid)
        yield api.Environment(cr, user.id, user.context_get())


def commit(env):
    env.cr.commit()  # pylint: disable=invalid-commit


# Tables the invoicing reads and writes: their planner statistics are refreshed
# after every build (Fixtures.build_orders), as autovacuum does on a live
# database. Left to autovacuum, a table that grew from empty minutes ago may be
# planned on stale statistics, and which side meets the bad plan depends on when
# autovacuum happens to run.
ANALYZED_TABLES = (
    "sale_order",
    "sale_order_line",
    "sale_billing_milestone",
    "project_milestone",
    "account_move",
    "account_move_line",
)


def analyze(env):
    env.cr.execute(
        SQL("ANALYZE %s", SQL(", ").join(map(SQL.identifier, ANALYZED_TABLES)))
    )
    commit(env)


# Data


class Fixtures:
    """What every order shares: customers, the product, a project, settings."""

    def __init__(self, env, customers):
        env["res.config.settings"].create({"group_project_milestone": True}).execute()
        self.partners = env["res.partner"].create(
            [{"name": f"Benchmark customer {index}"} for index in range(customers)]
        )
        # A plain "Based on Milestones" service without a schedule template:
        # the same product on both sides, only the line's schedule differs.
        self.product = env["product.product"].create(
            {
                "name": "Benchmark milestones",
                "type": "service",
                "invoice_policy": "delivery",
                "service_type": "milestones",
                "service_tracking": "no",
                "list_price": 1000.0,
            }
        )
        self.project = env["project.project"].create(
            {"name": "Benchmark project", "allow_billable": True}
        )
        commit(env)

    def build_orders(self, env, orders, lines, milestones, scheduled, first=0):
        """``orders`` confirmed orders of ``lines`` lines each, for customers
        ``first``, ``first + 1``..., every line fully billable today through
        ``milestones`` milestones: billing milestones (``scheduled``) or Odoo's
        reached project milestones. Committed, planner statistics refreshed."""
        sale_orders = env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1.0,
                                "price_unit": 1000.0 + line,
                            }
                        )
                        for line in range(lines)
                    ],
                }
                for partner in self.partners[first : first + orders]
            ]
        )
        if scheduled:
            # Percents that add up to exactly 100 for M in 1, 2, 4, 5, 10, 20...
            env["sale.billing.milestone"].create(
                [
                    {
                        "sale_line_id": line.id,
                        "name": f"M{index}",
                        "kind": "days",
                        "days": 0,
                        "percent": 100.0 / milestones,
                    }
                    for line in sale_orders.order_line
                    for index in range(1, milestones + 1)
                ]
            )
        sale_orders.action_confirm()
        if not scheduled:
            env["project.milestone"].create(
                [
                    {
                        "name": f"M{index}",
                        "project_id": self.project.id,
                        "sale_line_id": line.id,
                        "quantity_percentage": 1.0 / milestones,
                        "is_reached": True,
                    }
                    for line in sale_orders.order_line
                    for index in range(1, milestones + 1)
                ]
            )
        commit(env)
        analyze(env)
        return sale_orders


# Invoicing paths


def create_invoice(orders):
    """The Create Invoice button, Regular Invoice, over all the orders."""
    wizard = (
        orders.env["sale.advance.payment.inv"]
        .with_context(active_model="sale.order", active_ids=orders.ids)
        .create({"advance_payment_method": "delivered"})
    )
    wizard.create_invoices()
    return orders.invoice_ids


def batch_wizard(orders):
    """Invoice Milestones over the orders: preview, then Create Draft Invoices."""
    wizard = orders.env["sale.billing.milestone.invoice"].create(
        {"order_ids": [Command.set(orders.ids)]}
    )
    wizard.action_create_invoices()
    return orders.invoice_ids


INVOICERS = {"standard": create_invoice, "ours": create_invoice, "wizard": batch_wizard}


def measure(env, orders, invoicer, memory=False, profiler=None):
    """Invoice ``orders``, timing it from cold ORM caches to the last query."""
    env.invalidate_all()
    gc.collect()
    orders = orders.with_env(env)
    if memory:
        tracemalloc.start()
    if profiler:
        profiler.enable()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    invoices = invoicer(orders)
    env.flush_all()
    seconds = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    if profiler:
        profiler.disable()
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    invoice_lines = invoices.invoice_line_ids.filtered(
        lambda line: line.display_type == "product"
    )
    expected = sum(orders.mapped("amount_untaxed"))
    invoiced = sum(invoices.mapped("amount_untaxed"))
    if orders.currency_id.compare_amounts(invoiced, expected):
        raise RuntimeError(f"invoiced {invoiced} instead of {expected}")
    commit(env)
    return {
        "seconds": seconds,
        "queries": queries,
        "peak_bytes": peak,
        "invoices": len(invoices),
        "invoice_lines": len(invoice_lines),
        "load": load(),
    }


def run_shape(registry, fixtures, args, lines, milestones, profiler):
    """All rounds of one shape; return its figures per side."""
    n = args.orders
    timed = {side: [] for side in SIDES}
    traced = {}
    with environment(registry) as env:
        # Round 0 warms up, rounds 1..R are timed, round R + 1 is traced.
        for round_index in range(args.rounds + 2):
            memory = round_index == args.rounds + 1
            built = {
                side: fixtures.build_orders(
                    env, n, lines, milestones, scheduled=side != "standard"
                )
                for side in SIDES
            }
            turn = round_index % len(SIDES)
            for side in SIDES[turn:] + SIDES[:turn]:
                run = measure(env, built[side], INVOICERS[side], memory=memory)
                if memory:
                    traced[side] = run
                elif round_index:
                    timed[side].append(run)
        if profiler:
            orders = fixtures.build_orders(env, n, lines, milestones, scheduled=True)
            measure(env, orders, create_invoice, profiler=profiler)
    figures = {}
    for side, runs in timed.items():
        seconds = median([run["seconds"] for run in runs])
        figures[side] = {
            "seconds_per_round": [run["seconds"] for run in runs],
            "load_per_round": [run["load"] for run in runs],
            "ms_per_milestone": 1000 * seconds / (n * lines * milestones),
            "ms_per_invoice_line": 1000 * seconds / runs[0]["invoice_lines"],
            "queries_per_order": median([run["queries"] for run in runs]) / n,
            "peak_mib": traced[side]["peak_bytes"] / 2**20,
            "invoices": runs[0]["invoices"],
            "invoice_lines": runs[0]["invoice_lines"],
        }
    # Each round's ratio is taken between sides measured in the same round, so a
    # slower round (the tables grow, the load moves) weighs on both sides.
    for side in ("ours", "wizard"):
        paired = [
            ours["seconds"] / standard["seconds"]
            for ours, standard in zip(timed[side], timed["standard"], strict=True)
        ]
        figures[side]["ratio"] = median(paired)
        figures[side]["ratio_per_round"] = paired
    return figures


def ratio_range(figures):
    """The lowest and the highest ratio of the rounds, as printed."""
    rounds = figures["ratio_per_round"]
    return f"{min(rounds):.2f} to {max(rounds):.2f}"


def shape_key(lines, milestones):
    return f"{lines}x{milestones}"


def shapes_of(args):
    shapes = [(m, 1) for m in args.shapes] + [(1, m) for m in args.shapes]
    return list(dict.fromkeys(shapes))


def print_shape(n, lines, milestones, figures):
    out(
        f"\n{n} orders x {lines} line(s) x {milestones} milestone(s): "
        f"{n * lines * milestones} billed milestones per side "
        f"(section took {figures['section_seconds']:.0f} s)"
    )
    out(
        f"  {'side':<26}{'ms/milestone':>13}{'ratio':>7}{'range':>14}"
        f"{'ms/inv.line':>12}{'inv.lines':>10}{'queries/order':>14}{'peak MiB':>9}"
        "  load per round"
    )
    for side in SIDES:
        fig = figures[side]
        ratio, spread = "-", "-"
        if "ratio" in fig:
            ratio, spread = f"{fig['ratio']:.2f}", ratio_range(fig)
        loads = " ".join(f"{row[0]:.2f}" for row in fig["load_per_round"])
        out(
            f"  {SIDE_LABELS[side]:<26}{fig['ms_per_milestone']:>13.2f}{ratio:>7}"
            f"{spread:>14}{fig['ms_per_invoice_line']:>12.2f}{fig['invoice_lines']:>10}"
            f"{fig['queries_per_order']:>14.1f}{fig['peak_mib']:>9.1f}  {loads}"
        )


# Bulk data


def table_columns(cr, table):
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s "
            "ORDER BY ordinal_position",
            table,
        )
    )
    return [name for (name,) in cr.fetchall() if name != "id"]


def clone_orders(env, orders, copies, partners):
    """Insert ``copies`` copies of ``orders`` by SQL, with their lines, the
    lines' taxes and billing milestones: copy ``g`` of a row gets an id after
    the table's highest, ``top + (g - 1) * span + id - low + 1`` with ``low``
    and ``span`` those of the rows copied, and the customer
    ``partners[id % len(partners)]`` of its order. What points at an invoice is
    copied as it is (the copies of a billed milestone name the same invoice),
    so the copies are to read, or to bill when nothing of them was billed."""
    cr = env.cr
    env.flush_all()
    lines = orders.order_line
    milestones = lines.billing_milestone_ids
    copied = {
        env[model]._table: records.ids
        for model, records in (
            ("sale.order", orders),
            ("sale.order.line", lines),
            ("sale.billing.milestone", milestones),
        )
        if records
    }
    order_table, line_table, milestone_table = (
        env[model]._table
        for model in ("sale.order", "sale.order.line", "sale.billing.milestone")
    )
    moves = {}
    for table, ids in copied.items():
        cr.execute(SQL("SELECT max(id) FROM %s", SQL.identifier(table)))
        top = cr.fetchone()[0]
        moves[table] = (top - min(ids) + 1, max(ids) - min(ids) + 1)

    def moved(column, table):
        """``column`` (an id of ``table``) in copy ``g``."""
        offset, span = moves[table]
        column = SQL.identifier(column) if isinstance(column, str) else column
        return SQL("%s + %s + (g - 1) * %s", column, offset, span)

    def partner_of(order_id):
        return SQL(
            "(%s::int[])[1 + mod(%s, %s)]",
            partners.ids,
            moved(order_id, order_table),
            len(partners),
        )

    def insert(table, overrides):
        columns = table_columns(cr, table)
        values = [overrides.get(name, SQL.identifier(name)) for name in columns]
        cr.execute(
            SQL(
                "INSERT INTO %s (id, %s) SELECT %s, %s FROM %s, "
                "generate_series(1, %s) AS g WHERE id IN %s",
                SQL.identifier(table),
                SQL(", ").join(map(SQL.identifier, columns)),
                moved("id", table),
                SQL(", ").join(values),
                SQL.identifier(table),
                copies,
                tuple(copied[table]),
            )
        )
        cr.execute(
            SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), max(id)) FROM %s",
                table,
                SQL.identifier(table),
            )
        )

    order_partner = partner_of("id")
    insert(
        order_table,
        {
            "name": SQL("name || '-' || g"),
            "partner_id": order_partner,
            "partner_invoice_id": order_partner,
            "partner_shipping_id": order_partner,
        },
    )
    insert(
        line_table,
        {
            "order_id": moved("order_id", order_table),
            "order_partner_id": partner_of("order_id"),
        },
    )
    taxes = env["sale.order.line"]._fields["tax_id"]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s, %s) SELECT %s, %s FROM %s, "
            "generate_series(1, %s) AS g WHERE %s IN %s",
            SQL.identifier(taxes.relation),
            SQL.identifier(taxes.column1),
            SQL.identifier(taxes.column2),
            moved(taxes.column1, line_table),
            SQL.identifier(taxes.column2),
            SQL.identifier(taxes.relation),
            copies,
            SQL.identifier(taxes.column1),
            tuple(lines.ids),
        )
    )
    if milestones:
        insert(
            milestone_table,
            {
                "sale_line_id": moved("sale_line_id", line_table),
                "order_id": moved("order_id", order_table),
                "partner_id": partner_of("order_id"),
            },
        )
    commit(env)
    vacuum(env)


def vacuum(env):
    """VACUUM ANALYZE the tables: after a bulk insert, autovacuum would do it
    in the middle of the timed calls."""
    _name, params = sql_db.connection_info_for(env.cr.dbname)
    connection = psycopg2.connect(**params)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            cr.execute(
                SQL(
                    "VACUUM ANALYZE %s",
                    SQL(", ").join(map(SQL.identifier, ANALYZED_TABLES)),
                ).code
            )
    finally:
        connection.close()


# Large orders


X2MANY_LIMIT = 40  # the web client's page of an x2many list
LIST_LIMIT = 80  # and of a list view
COUNT_LIMIT = 10001  # what it counts up to, plus one
EDITED = "Edited by the benchmark"


def field_nodes(node):
    """The ``field`` elements of ``node``, not those of a field's subviews."""
    for child in node:
        if child.tag == "field":
            yield child
        else:
            yield from field_nodes(child)


def view_specification(node, model, models):
    """The ``specification`` the web client gives ``web_read``, ``web_save`` and
    ``web_search_read`` for the view ``node`` of ``model``, as
    web/static/src/model/relational_model/utils.js (getFieldsSpec) builds it:
    every field; many2ones with their display name; x2many lists with the
    fields, page size and order of their list. Left out: the fields some
    widgets add and field contexts."""
    described = models[model]
    described = described.get("fields", described)
    spec = {}
    for field_node in field_nodes(node):
        name = field_node.get("name")
        field = described.get(name)
        if not field:
            continue
        invisible = field_node.get("invisible") in ("1", "True")
        entry = spec.setdefault(name, {})
        if field["type"] in ("many2one", "reference"):
            entry["fields"] = {} if invisible else {"display_name": {}}
        elif field["type"] in ("one2many", "many2many") and not invisible:
            sub = next((child for child in field_node if child.tag == "list"), None)
            if sub is None:
                entry["fields"] = {"display_name": {}}
                continue
            entry["fields"] = view_specification(sub, field["relation"], models)
            entry["limit"] = int(sub.get("limit") or X2MANY_LIMIT)
            if sub.get("default_order"):
                entry["order"] = sub.get("default_order")
    return spec


def get_view(env, model, view_type, view_id=False):
    views = env[model].get_views([(view_id, view_type)])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    return arch, views["models"]


def form_specification(env, model, view_id=False):
    arch, models = get_view(env, model, "form", view_id)
    return {"display_name": {}, **view_specification(arch, model, models)}


def count_fields(spec):
    return sum(1 + count_fields(entry.get("fields", {})) for entry in spec.values())


def timed(env, action, profiler=None):
    """Run ``action`` from cold ORM caches to its last flushed query."""
    env.invalidate_all()
    gc.collect()
    if profiler:
        profiler.enable()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    action()
    env.flush_all()
    seconds = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    if profiler:
        profiler.disable()
    return {"seconds": seconds, "queries": queries, "load": load()}


LARGE_ACTIONS = ("open", "save", "invoice")
LARGE_LABELS = {
    "open": "open the form (web_read)",
    "save": "save one edit (web_save)",
    "invoice": "Create Invoice (Regular)",
}


def edit_values(order, scheduled):
    """What the user changes and saves: ours one milestone's percent (halved)
    and description in the Billing Schedule tab; standard, with no schedule to
    edit, one order line's description."""
    if scheduled:
        milestone = order.billing_milestone_ids.sorted("id")[-1]
        update = {"percent": milestone.percent / 2, "description": EDITED}
        return {"billing_milestone_ids": [Command.update(milestone.id, update)]}
    line = order.order_line.sorted("id")[-1]
    return {"order_line": [Command.update(line.id, {"name": EDITED})]}


def run_large_side(env, order, scheduled, spec, profilers=None):
    """Open ``order``, save one edit, invoice it: each action timed, then
    committed."""
    profilers = profilers or {}
    order = order.with_env(env)
    runs = {}
    runs["open"] = timed(env, lambda: order.web_read(spec), profilers.get("open"))
    commit(env)
    values = edit_values(order, scheduled)
    runs["save"] = timed(
        env, lambda: order.web_save(values, spec), profilers.get("save")
    )
    commit(env)
    runs["invoice"] = timed_invoice(env, order, scheduled, profilers.get("invoice"))
    return runs


def timed_invoice(env, order, scheduled, profiler=None):
    """Create Invoice of ``order``, timed, checked against what the order should
    bill (its milestones' amounts, or a plain order's untaxed amount), then
    committed."""
    order = order.with_env(env)
    if scheduled:
        expected = sum(order.billing_milestone_ids.mapped("amount"))
    else:
        expected = order.amount_untaxed
    run = timed(env, lambda: create_invoice(order), profiler)
    invoiced = sum(order.invoice_ids.mapped("amount_untaxed"))
    if order.currency_id.compare_amounts(invoiced, expected):
        raise RuntimeError(f"invoiced {invoiced} instead of {expected}")
    commit(env)
    return run


def run_large_shape(registry, fixtures, args, lines, milestones, profilers):
    """Rounds of one large order per side; figures per side and action.

    A third side, ``invoice_lines``, is a plain order of ``lines`` x
    ``milestones`` lines, one project milestone each: standard Odoo writing as
    many invoice lines as ours (one per milestone), for Create Invoice only.
    """
    timed_runs = {side: [] for side in ("standard", "ours", "invoice_lines")}
    with environment(registry) as env:
        spec = form_specification(env, "sale.order")
        for round_index in range(args.rounds + 1):
            built = {
                side: fixtures.build_orders(
                    env, 1, lines, milestones, scheduled=side == "ours"
                )
                for side in ("standard", "ours")
            }
            built["invoice_lines"] = fixtures.build_orders(
                env, 1, lines * milestones, 1, scheduled=False
            )
            sides = list(timed_runs)
            if round_index % 2:
                sides.reverse()
            for side in sides:
                if side == "invoice_lines":
                    runs = {"invoice": timed_invoice(env, built[side], False)}
                else:
                    runs = run_large_side(env, built[side], side == "ours", spec)
                if round_index:
                    timed_runs[side].append(runs)
        if profilers:
            order = fixtures.build_orders(env, 1, lines, milestones, scheduled=True)
            run_large_side(env, order, True, spec, profilers)
    figures = {"spec_fields": count_fields(spec)}
    for action in LARGE_ACTIONS:
        figures[action] = fig = {}
        for side, runs in timed_runs.items():
            if action not in runs[0]:
                continue
            seconds = [run[action]["seconds"] for run in runs]
            fig[side] = {
                "ms": 1000 * median(seconds),
                "ms_per_round": [1000 * value for value in seconds],
                "queries": median([run[action]["queries"] for run in runs]),
                "load_per_round": [run[action]["load"] for run in runs],
            }
        paired = [
            ours[action]["seconds"] / standard[action]["seconds"]
            for ours, standard in zip(
                timed_runs["ours"], timed_runs["standard"], strict=True
            )
        ]
        fig["ratio"] = median(paired)
        fig["ratio_per_round"] = paired
    fig = figures["invoice"]
    paired = [
        ours["invoice"]["seconds"] / plain["invoice"]["seconds"]
        for ours, plain in zip(
            timed_runs["ours"], timed_runs["invoice_lines"], strict=True
        )
    ]
    fig["ratio_invoice_lines"] = median(paired)
    fig["ratio_invoice_lines_per_round"] = paired
    return figures


def print_large_shape(lines, milestones, figures):
    out(
        f"\n1 order x {lines} line(s) x {milestones} milestone(s) "
        f"({figures['spec_fields']} fields in the form's specification; "
        f"section took {figures['section_seconds']:.0f} s)"
    )
    out(
        f"  {'action':<28}{'standard ms':>12}{'ours ms':>9}{'ratio':>7}"
        f"{'range':>14}{'queries std/ours':>18}  load per round"
    )
    for action in LARGE_ACTIONS:
        fig = figures[action]
        rounds = fig["ratio_per_round"]
        loads = " ".join(f"{row[0]:.2f}" for row in fig["ours"]["load_per_round"])
        queries = f"{fig['standard']['queries']:.0f} / {fig['ours']['queries']:.0f}"
        out(
            f"  {LARGE_LABELS[action]:<28}{fig['standard']['ms']:>12.1f}"
            f"{fig['ours']['ms']:>9.1f}{fig['ratio']:>7.2f}"
            f"{f'{min(rounds):.2f} to {max(rounds):.2f}':>14}{queries:>18}  {loads}"
        )
    fig = figures["invoice"]
    plain = fig["invoice_lines"]
    rounds = fig["ratio_invoice_lines_per_round"]
    # Standard with as many invoice lines as ours: one order line per milestone.
    label = f"  invoice, vs {lines * milestones} plain lines"
    queries = f"{plain['queries']:.0f} / {fig['ours']['queries']:.0f}"
    out(
        f"{label:<30}{plain['ms']:>12.1f}{fig['ours']['ms']:>9.1f}"
        f"{fig['ratio_invoice_lines']:>7.2f}"
        f"{f'{min(rounds):.2f} to {max(rounds):.2f}':>14}{queries:>18}"
    )


# Billing Milestones list and pivot


@contextmanager
def captured_queries():
    """Every query the process runs meanwhile, with its duration."""
    queries = []
    execute = sql_db.Cursor.execute

    def timed_execute(cr, query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return execute(cr, query, params, log_exceptions)
        finally:
            queries.append((time.perf_counter() - started, query, params))

    sql_db.Cursor.execute = timed_execute
    try:
        yield queries
    finally:
        sql_db.Cursor.execute = execute


def plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


def explain(env, query, params):
    """EXPLAIN ANALYZE of a SELECT: its execution time and its sequential
    scans, each with the rows it read and its share of the time."""
    if isinstance(query, SQL):
        query, params = query.code, query.params
    env.cr.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", params)
    (result,) = env.cr.fetchone()
    total = result[0]["Execution Time"]
    scans = [
        {
            "table": node["Relation Name"],
            "rows": node["Actual Rows"] * node["Actual Loops"],
            "ms": node["Actual Total Time"] * node["Actual Loops"],
        }
        for node in plan_nodes(result[0]["Plan"])
        if node["Node Type"] == "Seq Scan"
    ]
    return total, scans


def build_listing(registry, fixtures, size):
    """``size`` billing milestones: 50 orders of 5 lines x 4 milestones built
    and invoiced through the ORM (M1 due and billed, M2 to M4 due in 30, 60
    and 90 days), then copied by SQL. A quarter of them Processed."""
    with environment(registry) as env:
        orders = fixtures.build_orders(env, 50, 5, 4, scheduled=True)
        for index, days in ((2, 30), (3, 60), (4, 90)):
            orders.order_line.billing_milestone_ids.filtered(
                lambda m, name=f"M{index}": m.name == name
            ).write({"days": days})
        create_invoice(orders)
        commit(env)
        if size > 1000:
            clone_orders(env, orders, size // 1000 - 1, fixtures.partners)
        return env["sale.billing.milestone"].search_count([])


def search_defaults(env, model, context):
    """The domain and group-bys of the action's search defaults."""
    arch, _models = get_view(env, model, "search")
    domains, groupbys = [], []
    eval_context = {"context_today": lambda: datetime.date.today(), **context}
    for key, value in context.items():
        if not key.startswith("search_default_") or not value:
            continue
        name = key.removeprefix("search_default_")
        for node in arch.iter("filter"):
            if node.get("name") != name:
                continue
            if node.get("domain"):
                domains.append(safe_eval(node.get("domain"), eval_context))
            if node.get("context"):
                groupby = safe_eval(node.get("context"), eval_context).get("group_by")
                groupbys += [groupby] if isinstance(groupby, str) else groupby or []
    return expression.AND(domains) if domains else [], groupbys


def listing_calls(env):
    """The list's and the pivot's requests as the web client makes them on
    opening the Billing Milestones menu."""
    Milestone = env["sale.billing.milestone"]
    action = env.ref(f"{MODULE}.sale_billing_milestone_action")
    context = {**env.context, **safe_eval(action.context or "{}")}
    Milestone = Milestone.with_context(**context)
    domain, groupbys = search_defaults(env, Milestone._name, context)
    list_arch, list_models = get_view(env, Milestone._name, "list")
    list_spec = view_specification(list_arch, Milestone._name, list_models)
    pivot_arch, _models = get_view(env, Milestone._name, "pivot")

    def groupby(node):
        interval = node.get("interval")
        return f"{node.get('name')}:{interval}" if interval else node.get("name")

    rows = groupbys or [
        groupby(node) for node in pivot_arch.iter("field") if node.get("type") == "row"
    ]
    cols = [
        groupby(node) for node in pivot_arch.iter("field") if node.get("type") == "col"
    ]
    measures = [
        f"{node.get('name')}:sum"
        for node in pivot_arch.iter("field")
        if node.get("type") == "measure"
    ]

    def list_call():
        if groupbys:
            return Milestone.web_read_group(
                domain, list(list_spec), groupbys, limit=LIST_LIMIT
            )
        return Milestone.web_search_read(
            domain, list_spec, limit=LIST_LIMIT, order="", count_limit=COUNT_LIMIT
        )

    # The pivot reads one group-by per pair of row and column prefixes.
    pivot_calls = [
        (
            f"pivot {'+'.join(rows[:r] + cols[:c]) or 'total'}",
            lambda g=rows[:r] + cols[:c]: Milestone.read_group(
                domain, measures, g, lazy=False
            ),
        )
        for r in range(len(rows) + 1)
        for c in range(len(cols) + 1)
    ]
    described = {
        "domain": domain,
        "list_fields": count_fields(list_spec),
        "pivot": {"rows": rows, "cols": cols, "measures": measures},
    }
    return [("list", list_call), *pivot_calls], described


def run_listing(registry, fixtures, args):
    """Time the list and the pivot on ``--listing-size`` milestones, then
    EXPLAIN ANALYZE their slowest queries."""
    size = build_listing(registry, fixtures, args.listing_size)
    with environment(registry) as env:
        calls, described = listing_calls(env)
        timings = {name: [] for name, _call in calls}
        for round_index in range(args.rounds + 1):
            for name, call in calls:
                run = timed(env, call)
                if round_index:
                    timings[name].append(run)
        plans = {}
        for name, call in calls:
            env.invalidate_all()
            with captured_queries() as queries:
                call()
            slowest = sorted(queries, key=lambda query: -query[0])[:2]
            plans[name] = []
            for seconds, query, params in slowest:
                code = query.code if isinstance(query, SQL) else query
                if not code.lstrip().upper().startswith("SELECT"):
                    continue
                total, scans = explain(env, query, params)
                plans[name].append(
                    {
                        "ms": 1000 * seconds,
                        "explain_ms": total,
                        "seq_scans": scans,
                        "query": code[:200],
                    }
                )
        env.cr.rollback()
    figures = {"milestones": size, **described, "calls": {}}
    for name, runs in timings.items():
        figures["calls"][name] = {
            "ms": 1000 * median([run["seconds"] for run in runs]),
            "ms_per_round": [1000 * run["seconds"] for run in runs],
            "queries": median([run["queries"] for run in runs]),
            "load_per_round": [run["load"] for run in runs],
            "plans": plans[name],
        }
    figures["pivot_ms"] = sum(
        fig["ms"] for name, fig in figures["calls"].items() if name != "list"
    )
    return figures


def print_listing(figures):
    out(
        f"\nBilling Milestones on {figures['milestones']} milestones, domain "
        f"{figures['domain']}, list of {figures['list_fields']} fields, pivot "
        f"{figures['pivot']} (section took {figures['section_seconds']:.0f} s)"
    )
    out(f"  {'request':<46}{'ms':>8}{'queries':>8}  load per round")
    for name, fig in figures["calls"].items():
        loads = " ".join(f"{row[0]:.2f}" for row in fig["load_per_round"])
        out(f"  {name:<46}{fig['ms']:>8.1f}{fig['queries']:>8.0f}  {loads}")
    out(f"  {'pivot, all its requests':<46}{figures['pivot_ms']:>8.1f}")
    out("  slowest queries, EXPLAIN ANALYZE (sequential scans: table, rows, ms):")
    for name, fig in figures["calls"].items():
        for plan in fig["plans"]:
            scans = ", ".join(
                f"{scan['table']} {scan['rows']:.0f} {scan['ms']:.1f}"
                for scan in plan["seq_scans"]
            )
            out(
                f"    {name}: {plan['ms']:.1f} ms ({plan['explain_ms']:.1f} "
                f"explained); seq scans: {scans or 'none'}"
            )


# Daily job


def reset_peak_rss():
    """Reset the process's peak resident set size (Linux 4.0+); without it the
    peak reported is the one since the process started."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        pass


def peak_rss():
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run_cron_job(registry, cron_id, memory, max_calls=MAX_BATCH_PER_CRON_JOB):
    """One run of the scheduled action as ``ir.cron._run_job`` does it: up to
    MAX_BATCH_PER_CRON_JOB calls (or ``max_calls``) of ``ir.cron._callback``
    in one cursor, each after the progress record is committed and followed
    by a commit, again while the call reports records done and remaining.
    Return the calls' figures and whether the job is fully done."""
    calls = []
    with registry.cursor() as job_cr:
        env = api.Environment(job_cr, api.SUPERUSER_ID, {})
        job = env["ir.cron"].browse(cron_id)
        env = api.Environment(
            job_cr, job.user_id.id, {"lastcall": job.lastcall, "cron_id": job.id}
        )
        cron = env["ir.cron"].browse(cron_id)
        name, action_id = cron.cron_name, cron.ir_actions_server_id.id
        for _index in range(min(max_calls, MAX_BATCH_PER_CRON_JOB)):
            cron, progress = cron._add_progress(timed_out_counter=0)
            commit(env)
            gc.collect()
            reset_peak_rss()
            if memory:
                tracemalloc.start()
            queries = job_cr.sql_log_count
            started = time.perf_counter()
            cron._callback(name, action_id)
            seconds = time.perf_counter() - started
            queries = job_cr.sql_log_count - queries
            traced = tracemalloc.get_traced_memory()[1] if memory else None
            if memory:
                tracemalloc.stop()
            rss = peak_rss()
            commit(env)
            gc.collect()
            calls.append(
                {
                    "seconds": seconds,
                    "queries": queries,
                    "done": progress.done,
                    "remaining": progress.remaining,
                    "peak_rss_bytes": rss,
                    "peak_traced_bytes": traced,
                    "envs": len(env.transaction.envs),
                    "load": load(),
                }
            )
            if not progress.remaining or not progress.done:
                return calls, True
    return calls, False


def build_daily(env, fixtures, size, clone):
    """Orders of 1 line x 1 milestone billable today, up to ``size`` with
    those the job has not billed yet: through the ORM, or (``clone``) as SQL
    copies of the last 50 such orders, 50 built through the ORM if none."""
    orders = env["sale.order"]
    if not clone:
        for first in range(0, size, DAILY_BUILD_CHUNK):
            chunk = min(DAILY_BUILD_CHUNK, size - first)
            orders |= fixtures.build_orders(env, chunk, 1, 1, True, first=first)
        return orders
    domain = orders._get_auto_invoice_domain()
    if not orders.search_count(domain):
        fixtures.build_orders(env, 50, 1, 1, True)
    remaining = orders.search_count(domain)
    if size > remaining:
        source = orders.search(domain, order="id desc", limit=50)
        copies = -(-(size - remaining) // len(source))
        clone_orders(env, source, copies, fixtures.partners)
    return orders.search(domain)


def run_daily(registry, fixtures, size, memory, args):
    """Build ``size`` orders billable today and run the daily job until it is
    done, as often as the scheduler would start it, or for its first
    ``--daily-calls`` calls."""
    with environment(registry) as env:
        env.company.billing_milestone_auto_invoice = "draft"
        orders = build_daily(env, fixtures, size, args.daily_clone)
        commit(env)
        cron_id = env.ref(CRON_XMLID).id
    if args.daily_calls:
        # A sample leaves out the first call, which warms the caches up.
        run_cron_job(registry, cron_id, memory, 1)
        with environment(registry) as env:
            orders = build_daily(env, fixtures, size, args.daily_clone)
    with environment(registry) as env:
        billed_before = env["sale.billing.milestone"].search_count(
            [("invoice_id", "!=", False)]
        )
    calls = []
    done = False
    while not done:
        left = args.daily_calls - len(calls) if args.daily_calls else len(orders)
        job_calls, done = run_cron_job(registry, cron_id, memory, left)
        calls += job_calls
        done = done or len(calls) == args.daily_calls
    with environment(registry) as env:
        billed = (
            env["sale.billing.milestone"].search_count([("invoice_id", "!=", False)])
            - billed_before
        )
        env.company.billing_milestone_auto_invoice = "off"
    expected = sum(call["done"] for call in calls) if args.daily_calls else len(orders)
    if billed != expected:
        raise RuntimeError(f"the daily job billed {billed} of {expected} milestones")
    return calls, len(orders)


def daily_figures(timed_calls, traced_calls):
    """Figures of the timed run, with the Python peaks of the traced run."""
    orders = sum(call["done"] for call in timed_calls)
    calls = []
    for index, call in enumerate(timed_calls):
        done = call["done"] or 1
        traced = traced_calls[index] if index < len(traced_calls) else {}
        py_peak = traced.get("peak_traced_bytes")
        calls.append(
            {
                "seconds": call["seconds"],
                "orders": call["done"],
                "remaining": call["remaining"],
                "ms_per_milestone": 1000 * call["seconds"] / done,
                "queries_per_order": call["queries"] / done,
                "peak_rss_mib": call["peak_rss_bytes"] / 2**20,
                "peak_python_mib": py_peak / 2**20 if py_peak else None,
                "envs": call["envs"],
                "load": call["load"],
            }
        )
    seconds = sum(call["seconds"] for call in timed_calls)
    return {
        "orders": orders,
        "ms_per_milestone": 1000 * seconds / orders,
        "queries_per_order": sum(call["queries"] for call in timed_calls) / orders,
        "calls": calls,
    }


def print_daily(figures):
    out(
        f"\ndaily job, {figures['orders']} of {figures['billable_orders']} orders "
        "billable x 1 line x 1 milestone: "
        f"{figures['ms_per_milestone']:.2f} ms/milestone, "
        f"{figures['queries_per_order']:.1f} queries/order "
        f"(section took {figures['section_seconds']:.0f} s)"
    )
    out(
        f"  {'call':>4}{'orders':>7}{'seconds':>9}{'ms/milestone':>13}"
        f"{'queries/order':>14}{'peak RSS MiB':>13}{'py peak MiB':>12}{'envs':>6}"
        "  load"
    )
    for index, call in enumerate(figures["calls"], start=1):
        py_peak = call["peak_python_mib"]
        py_peak = f"{py_peak:.1f}" if py_peak is not None else "-"
        out(
            f"  {index:>4}{call['orders']:>7}{call['seconds']:>9.2f}"
            f"{call['ms_per_milestone']:>13.2f}{call['queries_per_order']:>14.1f}"
            f"{call['peak_rss_mib']:>13.1f}{py_peak:>12}{call['envs']:>6}  "
            f"{' '.join(f'{value:.2f}' for value in call['load'])}"
        )


# Goals (issues 8 and 20)


def invoicing_goals(shapes, args, check):
    for m in args.shapes:
        fig = shapes[shape_key(m, 1)]
        for side in ("ours", "wizard"):
            check(
                f"{m} line(s) x 1 milestone, {SIDE_LABELS[side]}: "
                "ours/standard <= 1.10 per billed milestone at M lines x 1 "
                f"milestone, {args.orders} orders per call (median of paired rounds)",
                fig[side]["ratio"] <= 1.10,
                f"{fig[side]['ratio']:.2f} (rounds {ratio_range(fig[side])})",
            )
    top = max(args.shapes)
    if top > 1:
        ours = shapes[shape_key(1, top)]["ours"]["ms_per_invoice_line"]
        standard = shapes[shape_key(top, 1)]["standard"]["ms_per_invoice_line"]
        check(
            f"1 line x {top} milestones (ours) costs no more per invoice line than "
            f"{top} lines x 1 milestone (standard)",
            ours <= standard,
            f"{ours:.2f} vs {standard:.2f} ms",
        )
    for key, fig in shapes.items():
        standard = fig["standard"]["queries_per_order"]
        for side in ("ours", "wizard"):
            value = fig[side]["queries_per_order"]
            check(
                f"{key}, {SIDE_LABELS[side]}: queries/order <= standard + 5",
                value <= standard + 5,
                f"{value:.1f} vs {standard:.1f}",
            )
    low = min(args.shapes)
    if top > low:
        for side in ("ours", "wizard"):
            first = shapes[shape_key(1, low)][side]["queries_per_order"]
            last = shapes[shape_key(1, top)][side]["queries_per_order"]
            check(
                f"1 line x M milestones, {SIDE_LABELS[side]}: queries/order flat "
                f"(M={top} <= 1.1 x M={low})",
                last <= 1.1 * first,
                f"{last:.1f} vs {first:.1f}",
            )


def large_goals(large, check):
    for key, fig in large.items():
        for action in ("open", "save"):
            ratio = fig[action]["ratio"]
            rounds = fig[action]["ratio_per_round"]
            check(
                f"large order {key}, {LARGE_LABELS[action]}: ours <= 1.2 x a plain "
                "order of as many lines (median of paired rounds)",
                ratio <= 1.2,
                f"{ratio:.2f} (rounds {min(rounds):.2f} to {max(rounds):.2f}); "
                f"queries {fig[action]['standard']['queries']:.0f} standard, "
                f"{fig[action]['ours']['queries']:.0f} ours",
            )
        # Issue 20's goal restated: ours writes one invoice line per milestone,
        # standard one per order line (see docs/benchmark.md).
        fig = fig["invoice"]
        lines, milestones = split_key(key)
        ratio, rounds = fig["ratio_invoice_lines"], fig["ratio_invoice_lines_per_round"]
        plain, ours = fig["invoice_lines"]["queries"], fig["ours"]["queries"]
        check(
            f"large order {key}, {LARGE_LABELS['invoice']}: ours <= 1.2 x a plain "
            f"order writing as many invoice lines ({lines * milestones} lines; "
            "median of paired rounds)",
            ratio <= 1.2,
            f"{ratio:.2f} (rounds {min(rounds):.2f} to {max(rounds):.2f}); "
            f"{fig['ratio']:.2f} x a plain order of {lines} line(s)",
        )
        check(
            f"large order {key}, {LARGE_LABELS['invoice']}: queries ours <= a plain "
            "order writing as many invoice lines + 5",
            ours <= plain + 5,
            f"{ours:.0f} vs {plain:.0f}",
        )
    single = sorted(m for lines, m in map(split_key, large) if lines == 1)
    if len(single) > 1:
        low, top = shape_key(1, single[0]), shape_key(1, single[-1])
        for action in ("open", "save"):
            for side in ("standard", "ours"):
                first = large[low][action][side]["queries"]
                last = large[top][action][side]["queries"]
                check(
                    f"{LARGE_LABELS[action]}, {side}: queries flat in the milestones "
                    f"({top} = {low})",
                    last <= first,
                    f"{last:.0f} vs {first:.0f}",
                )


def listing_goals(listing, check):
    size = listing["milestones"]
    list_ms = listing["calls"]["list"]["ms"]
    check(
        f"Billing Milestones list on {size} milestones <= 1 s server time",
        list_ms <= 1000,
        f"{list_ms:.0f} ms",
    )
    check(
        f"Billing Milestones pivot on {size} milestones <= 1 s server time "
        "(all its requests)",
        listing["pivot_ms"] <= 1000,
        f"{listing['pivot_ms']:.0f} ms",
    )


def daily_goals(daily, check):
    if len(daily) < 2:
        return
    sizes = sorted(daily, key=int)
    low, top = daily[sizes[0]], daily[sizes[-1]]
    check(
        f"daily job: ms/milestone at {sizes[-1]} <= 1.1 x at {sizes[0]}",
        top["ms_per_milestone"] <= 1.1 * low["ms_per_milestone"],
        f"{top['ms_per_milestone']:.2f} vs {low['ms_per_milestone']:.2f} ms",
    )
    peaks = [
        max((call["peak_python_mib"] or 0 for call in fig["calls"]), default=0)
        for fig in (low, top)
    ]
    if all(peaks):
        check(
            f"daily job: Python peak per call (tracemalloc) at {sizes[-1]} <= "
            f"1.1 x at {sizes[0]}",
            peaks[1] <= 1.1 * peaks[0],
            f"{peaks[1]:.1f} vs {peaks[0]:.1f} MiB",
        )


def split_key(key):
    return tuple(int(part) for part in key.split("x"))


def goals(results, args):
    shapes, daily = results["shapes"], results["daily"]
    checks = []

    def check(goal, passed, value):
        checks.append({"goal": goal, "pass": bool(passed), "value": value})

    if shapes:
        invoicing_goals(shapes, args, check)
    if results["large"]:
        large_goals(results["large"], check)
    if results.get("listing"):
        listing_goals(results["listing"], check)
    reference = None
    if shape_key(1, 1) in shapes:
        reference = shapes[shape_key(1, 1)]["ours"]["ms_per_milestone"]
    for size, fig in daily.items():
        if reference:
            check(
                f"daily job, {size} orders: ms/milestone <= 1.2 x Create Invoice "
                "(ours, 1 line x 1 milestone)",
                fig["ms_per_milestone"] <= 1.2 * reference,
                f"{fig['ms_per_milestone']:.2f} vs {reference:.2f} ms",
            )
        calls = fig["calls"]
        first, last = calls[0]["ms_per_milestone"], calls[-1]["ms_per_milestone"]
        check(
            f"daily job, {size} orders: last call within 1.5 x the first (per order)",
            last <= 1.5 * first,
            f"{last:.2f} vs {first:.2f} ms",
        )
        # The scheduler chains each call's progress context on the previous
        # call's, so the second call holds one environment more than the first.
        envs = [call["envs"] for call in calls]
        check(
            f"daily job, {size} orders: live environments not growing call to call "
            "(from the second call on)",
            max(envs[1:], default=0) <= envs[min(1, len(envs) - 1)],
            " ".join(str(value) for value in envs),
        )
    daily_goals(daily, check)
    return checks


# Main


def run_invoicing(registry, fixtures, args, results):
    profiler = cProfile.Profile() if args.profile else None
    for lines, milestones in shapes_of(args):
        started = time.perf_counter()
        figures = run_shape(registry, fixtures, args, lines, milestones, profiler)
        figures["section_seconds"] = time.perf_counter() - started
        results["shapes"][shape_key(lines, milestones)] = figures
        print_shape(args.orders, lines, milestones, figures)
    if profiler:
        profiler.dump_stats(args.profile)
        out(f"\nprofile of ours Create Invoice written to {args.profile}")


def run_large(registry, fixtures, args, results):
    for lines, milestones in args.large_shapes:
        profilers = None
        if args.profile:
            profilers = {action: cProfile.Profile() for action in LARGE_ACTIONS}
        started = time.perf_counter()
        figures = run_large_shape(
            registry, fixtures, args, lines, milestones, profilers
        )
        figures["section_seconds"] = time.perf_counter() - started
        results["large"][shape_key(lines, milestones)] = figures
        print_large_shape(lines, milestones, figures)
        for action, profiler in (profilers or {}).items():
            path = f"{args.profile}.{shape_key(lines, milestones)}.{action}"
            profiler.dump_stats(path)
            out(f"  profile of ours {LARGE_LABELS[action]} written to {path}")
    if args.listing_size:
        started = time.perf_counter()
        results["listing"] = figures = run_listing(registry, fixtures, args)
        figures["section_seconds"] = time.perf_counter() - started
        print_listing(figures)


def benchmark(registry, args, results):
    # Copies made by SQL spread over this many customers.
    customers = max(args.orders, 500)
    if not args.daily_clone:
        customers = max([customers, *args.daily_sizes])
    with environment(registry) as env:
        fixtures = Fixtures(env, customers)
    if args.large:
        run_large(registry, fixtures, args, results)
    else:
        run_invoicing(registry, fixtures, args, results)
    for size in args.daily_sizes:
        started = time.perf_counter()
        timed, billable = run_daily(registry, fixtures, size, False, args)
        traced = []
        if args.daily_tracemalloc:
            traced, _billable = run_daily(registry, fixtures, size, True, args)
        results["daily"][str(size)] = figures = daily_figures(timed, traced)
        figures["billable_orders"] = billable
        figures["section_seconds"] = time.perf_counter() - started
        print_daily(figures)
    results["goals"] = goals(results, args)
    out(f"\nGoals (issues 8 and 20; load average now {load()}):")
    for goal in results["goals"]:
        out(f"  {'PASS' if goal['pass'] else 'MISS'}  {goal['goal']}: {goal['value']}")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    results = {
        "machine": machine_info(),
        "options": {
            "orders": args.orders,
            "rounds": args.rounds,
            "shapes": args.shapes,
            "daily_sizes": args.daily_sizes,
            "daily_calls": args.daily_calls,
            "daily_clone": args.daily_clone,
            "large": args.large,
            "large_shapes": args.large_shapes,
            "listing_size": args.listing_size,
        },
        "shapes": {},
        "large": {},
        "daily": {},
    }
    machine = results["machine"]
    out(
        f"==> {machine['cpus']} CPUs ({machine['cpu_model']}), Odoo "
        f"{machine['odoo']}, Python {machine['python']}, module at "
        f"{machine['module_commit']}; load average {load()}"
    )
    registry = open_registry(args)
    try:
        benchmark(registry, args, results)
    finally:
        if not args.database and not args.keep_db:
            drop_database(registry.db_name)
        elif not args.database:
            out(f"kept database {registry.db_name} (--keep-db)")
    results["wall_seconds"] = time.perf_counter() - started
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
        out(f"results written to {args.json}")
    out(f"wall time {results['wall_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
