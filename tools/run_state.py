# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""State of a run that Odoo's own methods call our hooks in the middle of.

``sale.order._create_invoices`` calls ``_get_invoiceable_lines``,
``_prepare_invoice`` and ``_create_account_invoices`` with no argument the
module could use to say which milestones the run bills; the ORM checks the
milestones' ``@api.constrains`` with none either, while the re-plan wizard
rewrites a schedule one milestone at a time. These two variables carry that,
and only that, for the length of the call that sets them.

Context variables, not context keys: a context key would follow every record
the run creates and outlive the run, and any RPC caller could set one to skip
a check. Set them with ``billing_run`` and ``replanning`` only.
"""

from collections import namedtuple
from contextlib import contextmanager
from contextvars import ContextVar

# One run of ``sale.order._invoice_billing_milestones``: the milestones it bills,
# their due date, whether the orders' other lines come along, and the analytic
# distributions looked up for its invoice lines.
BillingRun = namedtuple("BillingRun", "milestones due_date whole_orders analytic_cache")

_billing_run = ContextVar("sale_milestone_billing_run", default=None)
_replanning = ContextVar("sale_milestone_billing_replanning", default=None)


@contextmanager
def billing_run(milestones, due_date, whole_orders):
    """Within the block, ``current_billing_run()`` is this run."""
    token = _billing_run.set(BillingRun(milestones, due_date, whole_orders, {}))
    try:
        yield
    finally:
        _billing_run.reset(token)


def current_billing_run():
    """The invoicing run under way, or None outside of one."""
    return _billing_run.get()


@contextmanager
def replanning(lines):
    """Within the block, the schedule caps of ``lines`` wait: the re-plan
    wizard checks them once every milestone is written."""
    token = _replanning.set(lines)
    try:
        yield
    finally:
        _replanning.reset(token)


def replanned_lines():
    """The order lines a re-plan is rewriting, or None."""
    return _replanning.get()
