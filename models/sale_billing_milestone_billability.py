# One concern of sale.billing.milestone per file, as Odoo splits its own models
# (account_move_line_tax_details.py): merged, they would be 1,750 lines.
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools.misc import format_date

from ..tools.schedule import billing_block


class SaleBillingMilestone(models.Model):
    """When a milestone can be invoiced, and why not."""

    _inherit = "sale.billing.milestone"

    # Fields

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
    )
    def _compute_billable_reason(self):
        reasons = {
            "processed": self.env._("Already processed"),
            "hold": self.env._("On hold"),
            "unconfirmed": self.env._("Order not confirmed"),
            "no_contract_date": self.env._("The order has no contract date yet"),
            "not_reached": self.env._("Not reached yet"),
            "replan": self.env._(
                "The line's net amount changed after invoicing: re-plan its schedule"
            ),
        }
        for milestone in self:
            block = milestone._get_billing_block()
            awaiting = (
                block in ("not_reached", "not_due")
                and milestone.acceptance_state == "requested"
            )
            if awaiting:
                milestone.billable_reason = self.env._(
                    "Awaiting customer acceptance (requested on %(date)s)",
                    date=format_date(self.env, milestone.acceptance_requested_date),
                )
                if block == "not_due":
                    milestone.billable_reason = self.env._(
                        "%(reason)s; billable on %(date)s at the latest",
                        reason=milestone.billable_reason,
                        date=format_date(self.env, milestone.billable_date),
                    )
            elif block == "not_due" and milestone.kind == "manual":
                milestone.billable_reason = self.env._(
                    "Not reached yet; billable on %(date)s at the latest",
                    date=format_date(self.env, milestone.billable_date),
                )
            elif block == "not_due":
                milestone.billable_reason = self.env._(
                    "Not due until %(date)s",
                    date=format_date(self.env, milestone.billable_date),
                )
            else:
                milestone.billable_reason = reasons.get(block, False)

    # Business methods

    def _get_billing_block(self):
        """Why the milestone cannot be invoiced now, as a key of
        ``billing_block``; None when it can. ``_get_billable_domain`` is the
        same rule as a domain."""
        self.ensure_one()
        return billing_block(
            self.status,
            self.order_id.state == "sale",
            self.kind,
            self.billable_date,
            self.is_due,
            self.sale_line_id.billing_replan_needed,
        )

    @api.model
    def _get_billable_domain(self, as_of=None):
        """Milestones billable now, as their stored facts say; with ``as_of``,
        those billable on that date. The rule of ``_get_billing_block``;
        ``['!', *domain]`` are the others (its operators are explicit)."""
        return expression.normalize_domain(
            [
                ("status", "=", "to_process"),
                ("order_id.state", "=", "sale"),
                ("sale_line_id.billing_replan_needed", "=", False),
                ("is_due", "=", True)
                if as_of is None
                else ("billable_date", "<=", as_of),
            ]
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
