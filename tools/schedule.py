# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Billing-schedule arithmetic, free of the ORM so it can be read and tested alone."""

from collections import namedtuple
from datetime import timedelta

from odoo.tools.float_utils import float_compare, float_round

PERCENT_DIGITS = 4

# One milestone of a schedule, in schedule order. ``frozen_amount`` is the amount
# of a processed milestone, which never moves again; None for the others.
ScheduleEntry = namedtuple("ScheduleEntry", "percent fixed_amount frozen_amount")


def milestone_status(billed, on_hold):
    """Status of a milestone: Processed while a live invoice line bills it,
    whatever else; otherwise Hold when held, To Process when not."""
    if billed:
        return "processed"
    return "hold" if on_hold else "to_process"


def billable_date(kind, contract_date, days, date, reached_date, latest=None):
    """The date from which a milestone may be invoiced, or None if not known yet.

    A Manual milestone with a ``latest`` date is billable when reached or on
    that date, whichever comes first.
    """
    if kind == "days":
        return contract_date + timedelta(days=days) if contract_date else None
    if kind == "date":
        return date or None
    return min(filter(None, (reached_date, latest)), default=None)


def latest_date(latest_kind, contract_date, latest_days, latest_date_):
    """The "at the latest" date of a Manual milestone, or None."""
    if latest_kind == "days":
        return contract_date + timedelta(days=latest_days) if contract_date else None
    if latest_kind == "date":
        return latest_date_ or None
    return None


def offset_date(base_date, days):
    """``base_date`` moved by ``days`` days; None when either is missing."""
    if not base_date or not days:
        return None
    return base_date + timedelta(days=days)


def scheduled_percent(net, entries):
    """Share of ``net`` the schedule covers, in percent, fixed amounts included."""
    percent = sum(entry.percent or 0.0 for entry in entries)
    fixed = sum(entry.fixed_amount or 0.0 for entry in entries if not entry.percent)
    return percent + (fixed * 100.0 / net if net else 0.0)


def format_percent(percent):
    """``percent`` as a schedule reads it: at most two decimals, none useless
    (30, 12.5, 33.33)."""
    return f"{round(percent, 2):g}"


def schedule_amounts(net, entries, rounding):
    """Amount of each entry, rounded to ``rounding``.

    Percent entries are rounded on their running total, so rounding never adds up
    to more than the percents allow. When the schedule covers 100 % of ``net``,
    the last percent entry still open takes the remainder, so the amounts add up
    to ``net`` exactly even after processed amounts were frozen at an older net.
    """

    def round_(value):
        return float_round(value, precision_rounding=rounding)

    amounts = []
    running_percent = 0.0
    running_amount = 0.0
    last_open_percent = None
    for index, entry in enumerate(entries):
        if entry.percent:
            running_percent += entry.percent
            previous_amount = running_amount
            running_amount = round_(net * running_percent / 100.0)
            amount = round_(running_amount - previous_amount)
            if entry.frozen_amount is None:
                last_open_percent = index
        else:
            amount = round_(entry.fixed_amount or 0.0)
        if entry.frozen_amount is not None:
            amount = entry.frozen_amount
        amounts.append(amount)

    # Above 100 % is left as it is, for the caps to refuse it.
    complete = not float_compare(
        scheduled_percent(net, entries), 100.0, precision_digits=PERCENT_DIGITS
    )
    if complete and last_open_percent is not None:
        others = sum(amounts) - amounts[last_open_percent]
        amounts[last_open_percent] = round_(net - others)
    return amounts


# What ``billing_block`` reads of a milestone. ``is_due``: whether the calendar
# has reached ``billable_on``, a fact the daily housekeeping records, not
# today's date.
BillingFacts = namedtuple(
    "BillingFacts",
    "status order_confirmed kind billable_on is_due replan_needed retention_waiting",
)

# When a milestone is billable: the rules a billable milestone meets, in the
# order a milestone that is not is told what holds it back. Each row is its
# block (a key of the Why Not Billable reasons), the rule on a milestone's
# facts, and the same rule as a domain on ``sale.billing.milestone`` (with
# ``as_of``: billable on that date; None: now, as the recorded Due says).
# To change when a milestone becomes billable, edit this table.
BillingRule = namedtuple("BillingRule", "block holds domain")
BILLING_RULES = (
    BillingRule(
        "processed",
        lambda facts: facts.status != "processed",
        lambda as_of: [("status", "!=", "processed")],
    ),
    BillingRule(
        "hold",
        lambda facts: facts.status == "to_process",
        lambda as_of: [("status", "=", "to_process")],
    ),
    BillingRule(
        "unconfirmed",
        lambda facts: facts.order_confirmed,
        lambda as_of: [("order_id.state", "=", "sale")],
    ),
    BillingRule(
        "replan",
        lambda facts: not facts.replan_needed,
        lambda as_of: [("sale_line_id.billing_replan_needed", "=", False)],
    ),
    BillingRule(
        "retention",
        lambda facts: not facts.retention_waiting,
        lambda as_of: [("retention_release_waiting", "=", False)],
    ),
    BillingRule(
        "no_contract_date",
        lambda facts: facts.kind != "days" or bool(facts.billable_on),
        lambda as_of: ["|", ("kind", "!=", "days"), ("billable_date", "!=", False)],
    ),
    BillingRule(
        "not_reached",
        lambda facts: bool(facts.billable_on),
        lambda as_of: [("billable_date", "!=", False)],
    ),
    BillingRule(
        "not_due",
        lambda facts: facts.is_due,
        lambda as_of: (
            [("is_due", "=", True)]
            if as_of is None
            else [("billable_date", "<=", as_of)]
        ),
    ),
)


def billing_block(
    status,
    order_confirmed,
    kind,
    billable_on,
    is_due,
    replan_needed=False,
    retention_waiting=False,
):
    """Why a milestone cannot be invoiced now, as the block of the first rule
    of ``BILLING_RULES`` it fails; None when it can."""
    facts = BillingFacts(
        status,
        order_confirmed,
        kind,
        billable_on,
        is_due,
        replan_needed,
        retention_waiting,
    )
    return next((rule.block for rule in BILLING_RULES if not rule.holds(facts)), None)


def retention_of(amount, percent, rounding):
    """The retention withheld on ``amount`` at ``percent``, rounded as the
    currency rounds (half up, as Odoo rounds an invoice line)."""
    return float_round(amount * percent / 100.0, precision_rounding=rounding)


def exact_quantity_price(amount, currency_digits, price_digits):
    """Quantity and unit price of an invoice line worth exactly ``amount``.

    A unit price keeps ``price_digits`` decimals (Odoo's "Product Price"
    precision); a currency with more decimals (KWD, BHD, OMR: 3) would lose the
    last ones. The quantity, with its own decimals, carries them instead:
    333.334 is billed as 0.1 at 3,333.34.
    """
    excess = max(currency_digits - price_digits, 0)
    scale = 10**excess
    return 1.0 / scale, float_round(amount * scale, precision_digits=price_digits)


def group_by_due_date(items, due_date_of):
    """``items`` split per due date: those without one first, then by date."""
    groups = {}
    for item in items:
        groups.setdefault(due_date_of(item) or None, []).append(item)
    return sorted(groups.items(), key=lambda group: (group[0] is not None, group[0]))


REPLAN_METHODS = ("proportional", "last", "new")


def replan_amounts(target, planned, method, rounding):
    """Spread ``target``, what the open milestones must now cover, over them.

    ``planned``: their amounts as planned on the old net, in schedule order.
    ``proportional`` scales each by the same factor, rounded on the running
    total so the amounts add up to ``target`` exactly; ``last`` puts the whole
    difference on the last one; ``new`` keeps them and returns the difference as
    a new milestone's amount. Returns ``(amounts, new_amount)``; raises
    ValueError when an amount would go below zero.
    """

    def round_(value):
        return float_round(value, precision_rounding=rounding)

    target = round_(target)
    planned = [round_(amount) for amount in planned]
    difference = round_(target - sum(planned))
    if method == "new":
        amounts, new_amount = planned, difference
    elif method == "last":
        if not planned:
            raise ValueError("no open milestone")
        amounts, new_amount = planned[:-1] + [round_(planned[-1] + difference)], 0.0
    elif method == "proportional":
        if not planned:
            raise ValueError("no open milestone")
        total = sum(planned)
        weights = planned if total else [1.0] * len(planned)
        weight_total = sum(weights)
        amounts, running, previous = [], 0.0, 0.0
        for weight in weights:
            running += weight
            current = round_(target * running / weight_total)
            amounts.append(round_(current - previous))
            previous = current
        new_amount = 0.0
    else:
        raise ValueError(f"unknown method {method}")
    if min(amounts + [new_amount], default=0.0) < 0:
        raise ValueError("negative amount")
    return amounts, new_amount


def next_group_size(size, elapsed, budget, largest=20):
    """How many orders the daily job invoices in its next group, after a group
    of ``size`` took ``elapsed`` seconds: as many as ``budget`` seconds allow at
    that pace, doubling at most, between 1 and ``largest``."""
    allowed = int(size * budget / elapsed) if elapsed > 0 else largest
    return max(1, min(2 * size, allowed, largest))
