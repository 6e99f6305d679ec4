# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.billing.milestone per file, as Odoo splits its own models
# (account_move_line_tax_details.py): merged, they would be 1,750 lines.
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools.misc import format_date

from ..tools.schedule import BILLING_RULES, billable_date, billing_block, latest_date


class SaleBillingMilestone(models.Model):
    """When a milestone can be invoiced, and why not.

    One rule table, ``tools.schedule.BILLING_RULES``, says it: the search
    domain (``_get_billable_domain``, and ``['!', *domain]`` for the others),
    Billable Now and Why Not Billable all read it. The billable date it
    compares with the calendar comes from ``tools.schedule.billable_date``.
    """

    _inherit = "sale.billing.milestone"

    # Fields

    billable_date = fields.Date(
        compute="_compute_billable_date",
        store=True,
        help="Contract date plus the days, the fixed date, or the date reached "
        "(or the At the Latest date, whichever comes first).",
    )
    # Stored facts only: nothing stored reads today's date except as an event
    # happens (the billable date changes, the housekeeping job's day comes).
    is_due = fields.Boolean(
        string="Due",
        compute="_compute_is_due",
        store=True,
        help="The calendar has reached the billable date: recorded as the "
        "billable date changes, and by the daily housekeeping job on the day it "
        "comes.",
    )
    is_billable_now = fields.Boolean(
        string="Billable Now",
        compute="_compute_is_billable_now",
        store=True,
        index=True,
        help="Invoiced by Create Invoice and counted as delivered: to process, "
        "its order confirmed, its schedule planned, and due.",
    )
    billable_reason = fields.Char(
        string="Why Not Billable", compute="_compute_billable_reason"
    )

    # Compute methods

    @api.depends(
        "kind",
        "days",
        "date",
        "reached_date",
        "latest_kind",
        "latest_days",
        "latest_date",
        "order_id.contract_date",
        "requires_acceptance",
        "accepted_date",
    )
    def _compute_billable_date(self):
        for milestone in self:
            contract_date = milestone.order_id.contract_date
            # Reached is not enough when the customer must accept it.
            reached_on = (
                milestone.accepted_date
                if milestone.requires_acceptance
                else milestone.reached_date
            )
            milestone.billable_date = billable_date(
                milestone.kind,
                contract_date,
                milestone.days,
                milestone.date,
                reached_on,
                milestone._get_latest_date(),
            )

    @api.depends("billable_date")
    def _compute_is_due(self):
        # Today is read as the billable date changes; once set, the date coming
        # is recorded by the housekeeping job (_cron_billing_housekeeping).
        today = fields.Date.context_today(self)
        for milestone in self:
            milestone.is_due = bool(
                milestone.billable_date and milestone.billable_date <= today
            )

    @api.depends(
        "status",
        "order_id.state",
        "kind",
        "billable_date",
        "is_due",
        "sale_line_id.billing_replan_needed",
        "retention_release_waiting",
    )
    def _compute_is_billable_now(self):
        for milestone in self:
            milestone.is_billable_now = not milestone._get_billing_block()

    @api.depends(
        "is_billable_now",
        "status",
        "order_id.state",
        "kind",
        "billable_date",
        "is_due",
        "sale_line_id.billing_replan_needed",
        "acceptance_state",
        "acceptance_requested_date",
        "retention_release_waiting",
    )
    def _compute_billable_reason(self):
        for milestone in self:
            milestone.billable_reason = milestone._get_billing_block_reason(
                milestone._get_billing_block()
            )

    # Business methods

    @api.model
    def _get_billable_domain(self, as_of=None):
        """Milestones billable now, as their stored facts say; with ``as_of``,
        those billable on that date. ``['!', *domain]`` are the others (its
        operators are explicit)."""
        return expression.AND([rule.domain(as_of) for rule in BILLING_RULES])

    def _get_billing_block(self):
        """Why the milestone cannot be invoiced now, as the block of
        ``BILLING_RULES`` it fails first; None when it can."""
        self.ensure_one()
        return billing_block(
            self.status,
            self.order_id.state == "sale",
            self.kind,
            self.billable_date,
            self.is_due,
            self.sale_line_id.billing_replan_needed,
            self.retention_release_waiting,
        )

    def _get_billing_block_reason(self, block):
        """Why Not Billable, for ``block`` of ``_get_billing_block``."""
        self.ensure_one()
        billable_on = format_date(self.env, self.billable_date)
        awaiting = self.acceptance_state == "requested"
        if block == "not_reached" and awaiting:
            return self.env._(
                "Awaiting customer acceptance (requested on %(date)s)",
                date=format_date(self.env, self.acceptance_requested_date),
            )
        if block == "not_due" and awaiting:
            return self.env._(
                "Awaiting customer acceptance (requested on %(requested)s); "
                "billable on %(date)s at the latest",
                requested=format_date(self.env, self.acceptance_requested_date),
                date=billable_on,
            )
        if block == "not_due" and self.kind == "manual":
            return self.env._(
                "Not reached yet; billable on %(date)s at the latest",
                date=billable_on,
            )
        if block == "not_due":
            return self.env._("Not due until %(date)s", date=billable_on)
        reasons = {
            "processed": self.env._("Already processed"),
            "hold": self.env._("On hold"),
            "unconfirmed": self.env._("Order not confirmed"),
            "no_contract_date": self.env._("The order has no contract date yet"),
            "not_reached": self.env._("Not reached yet"),
            "retention": self.env._(
                "Releases the retention once every other milestone of the line "
                "is invoiced and posted"
            ),
            "replan": self.env._(
                "The line's net amount changed after invoicing: re-plan its schedule"
            ),
        }
        return reasons.get(block, False)

    def _get_latest_date(self):
        """The date a Manual milestone becomes billable, reached or not."""
        self.ensure_one()
        return latest_date(
            self.latest_kind,
            self.order_id.contract_date,
            self.latest_days,
            self.latest_date,
        )

    @api.model
    def _get_due_changed_domain(self, today):
        """Milestones whose recorded Due no longer matches the calendar on
        ``today``: their billable date has come, or (the clock set back) not."""
        return [
            "|",
            "&",
            ("is_due", "=", False),
            ("billable_date", "<=", today),
            "&",
            ("is_due", "=", True),
            ("billable_date", ">", today),
        ]

    @api.model
    def _record_due_milestones(self, limit=None):
        """Record Due on (at most ``limit``) milestones whose billable date the
        calendar reached since: what depends on it follows (Billable Now, the
        order lines' delivered quantity and invoice status). Return them."""
        milestones = self.search(
            self._get_due_changed_domain(fields.Date.context_today(self)),
            limit=limit,
            order="id",
        )
        self.env.add_to_compute(self._fields["is_due"], milestones)
        milestones._recompute_recordset(["is_due"])
        milestones.modified(["is_due"])
        return milestones
