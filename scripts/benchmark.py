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
the job reports progress and orders remaining.
"""

import argparse
import cProfile
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

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.service import db as db_service
from odoo.tools import SQL, config

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
        epilog="The issue's daily-job sizes: --daily-sizes 1000,5000,10000.",
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
        help="dump pstats of ours Create Invoice path (one extra round per shape)",
    )
    args = parser.parse_args(argv)
    args.shapes = sorted({int(value) for value in args.shapes.split(",")})
    args.daily_sizes = [
        int(value) for value in args.daily_sizes.split(",") if int(value) > 0
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


def run_cron_job(registry, cron_id, memory):
    """One run of the scheduled action as ``ir.cron._run_job`` does it: up to
    MAX_BATCH_PER_CRON_JOB calls of ``ir.cron._callback`` in one cursor, each
    after the progress record is committed and followed by a commit, again
    while the call reports records done and remaining. Return the calls'
    figures and whether the job is fully done."""
    calls = []
    with registry.cursor() as job_cr:
        env = api.Environment(job_cr, api.SUPERUSER_ID, {})
        job = env["ir.cron"].browse(cron_id)
        env = api.Environment(
            job_cr, job.user_id.id, {"lastcall": job.lastcall, "cron_id": job.id}
        )
        cron = env["ir.cron"].browse(cron_id)
        name, action_id = cron.cron_name, cron.ir_actions_server_id.id
        for _index in range(MAX_BATCH_PER_CRON_JOB):
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


def run_daily(registry, fixtures, size, memory):
    """Build ``size`` orders billable today and run the daily job until it is
    done, as often as the scheduler would start it."""
    with environment(registry) as env:
        env.company.billing_milestone_auto_invoice = "draft"
        orders = env["sale.order"]
        for first in range(0, size, DAILY_BUILD_CHUNK):
            chunk = min(DAILY_BUILD_CHUNK, size - first)
            orders |= fixtures.build_orders(env, chunk, 1, 1, True, first=first)
        cron_id = env.ref(CRON_XMLID).id
    calls = []
    done = False
    while not done:
        job_calls, done = run_cron_job(registry, cron_id, memory)
        calls += job_calls
    with environment(registry) as env:
        billed = env["sale.billing.milestone"].search_count(
            [("order_id", "in", orders.ids), ("invoice_id", "!=", False)]
        )
        env.company.billing_milestone_auto_invoice = "off"
    if billed != size:
        raise RuntimeError(f"the daily job billed {billed} of {size} milestones")
    return calls


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
        f"\ndaily job, {figures['orders']} orders x 1 line x 1 milestone: "
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


# Goals of issue 8, section 2


def goals(results, args):
    shapes, daily = results["shapes"], results["daily"]
    checks = []

    def check(goal, passed, value):
        checks.append({"goal": goal, "pass": bool(passed), "value": value})

    for m in args.shapes:
        fig = shapes[shape_key(m, 1)]
        for side in ("ours", "wizard"):
            check(
                f"{m} line(s) x 1 milestone, {SIDE_LABELS[side]}: "
                "ours/standard <= 1.0 per billed milestone (median of the rounds)",
                fig[side]["ratio"] <= 1.0,
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
    reference = None
    if 1 in args.shapes:
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
    return checks


# Main


def benchmark(registry, args, results):
    with environment(registry) as env:
        fixtures = Fixtures(env, max([args.orders, *args.daily_sizes]))
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
    for size in args.daily_sizes:
        started = time.perf_counter()
        timed = run_daily(registry, fixtures, size, memory=False)
        traced = []
        if args.daily_tracemalloc:
            traced = run_daily(registry, fixtures, size, memory=True)
        results["daily"][str(size)] = figures = daily_figures(timed, traced)
        figures["section_seconds"] = time.perf_counter() - started
        print_daily(figures)
    results["goals"] = goals(results, args)
    out("\nGoals of issue 8, section 2:")
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
        },
        "shapes": {},
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
