# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.float_utils import float_compare
from odoo.tools.misc import format_amount

from ..tools.run_state import replanning
from ..tools.schedule import format_percent, replan_amounts


class SaleBillingMilestoneReplan(models.TransientModel):
    """Re-plan a line's schedule after its net amount changed with milestones
    already invoiced: what is processed stays, the open milestones cover the
    rest exactly, as the user chooses to spread it."""

    _name = "sale.billing.milestone.replan"
    _description = "Re-plan a Billing Schedule"

    sale_line_id = fields.Many2one("sale.order.line", required=True, readonly=True)
    currency_id = fields.Many2one(related="sale_line_id.currency_id")
    old_net = fields.Monetary(
        string="Planned Net", related="sale_line_id.billing_planned_net"
    )
    new_net = fields.Monetary(string="New Net", related="sale_line_id.price_subtotal")
    processed_amount = fields.Monetary(
        string="Processed",
        compute="_compute_preview",
        help="What the invoices bill already, net of credit notes, and the parts "
        "credit notes re-opened: it does not move.",
    )
    difference = fields.Monetary(
        compute="_compute_preview",
        help="New net minus planned net: what the open milestones gain or lose.",
    )
    method = fields.Selection(
        selection=[
            ("proportional", "Spread over the open milestones"),
            ("last", "Add to the last open milestone"),
            ("new", "As a new milestone"),
        ],
        required=True,
        default="proportional",
    )
    new_name = fields.Char(string="New Milestone", default="Change")
    new_description = fields.Char()
    new_kind = fields.Selection(
        selection=[("days", "Days"), ("date", "Date"), ("manual", "Manual")],
        string="Billable",
        default="manual",
    )
    new_days = fields.Integer(string="Days after Contract")
    new_date = fields.Date(string="On")
    retention_percent = fields.Float(
        string="Retention %",
        digits=(16, 2),
        compute="_compute_retention_percent",
        store=True,
        readonly=False,
        help="Percent of each milestone invoice still to come withheld until "
        "the release; what is withheld already stays held.",
    )
    preview = fields.Html(compute="_compute_preview", sanitize=False)
    error = fields.Char(compute="_compute_preview")

    def _get_plan(self):
        """``(open milestones, their new amounts, the new milestone's amount,
        processed amount)`` as the method spreads the difference. Raises
        UserError, naming the line, when the spread is impossible."""
        self.ensure_one()
        line = self.sale_line_id
        # The release bills the retention, not a share of the net: it stays.
        milestones = line.billing_milestone_ids._filter_revenue().sorted(
            lambda m: (m.sequence, m.id)
        )
        billed = milestones._filter_processed()
        fixed = milestones.filtered(lambda m: m in billed or m.reopened_from_id)
        open_milestones = milestones - fixed
        planned = line._get_billing_schedule_amounts(net=line.billing_planned_net)
        processed = sum(fixed.mapped("amount"))
        target = line.price_subtotal - processed
        try:
            amounts, new_amount = replan_amounts(
                target,
                [planned[m] for m in open_milestones],
                self.method,
                line.currency_id.rounding,
            )
        except ValueError:
            raise UserError(
                self.env._(
                    'Order line "%(line)s": "%(method)s" cannot cover its new net '
                    "amount %(net)s: with %(processed)s processed, an open "
                    "milestone would go below zero or there is none. Choose "
                    "another way to spread it.",
                    line=line.display_name,
                    method=self._get_method_label(),
                    net=format_amount(self.env, line.price_subtotal, line.currency_id),
                    processed=format_amount(self.env, processed, line.currency_id),
                )
            ) from None
        return open_milestones, amounts, new_amount, processed

    def _get_method_label(self):
        """The chosen method, as the user reads it."""
        self.ensure_one()
        labels = dict(self._fields["method"]._description_selection(self.env))
        return labels[self.method]

    @api.depends("sale_line_id")
    def _compute_retention_percent(self):
        for wizard in self:
            wizard.retention_percent = wizard.sale_line_id.billing_retention_percent

    def _is_retention_changed(self):
        self.ensure_one()
        return bool(
            float_compare(
                self.retention_percent,
                self.sale_line_id.billing_retention_percent,
                precision_digits=2,
            )
        )

    @api.depends("sale_line_id", "method")
    def _compute_preview(self):
        for wizard in self:
            line = wizard.sale_line_id
            wizard.difference = line.price_subtotal - line.billing_planned_net
            wizard.error = False
            try:
                open_milestones, amounts, new_amount, processed = wizard._get_plan()
            except UserError as error:
                wizard.error = error.args[0]
                wizard.preview = False
                wizard.processed_amount = 0.0
                continue
            wizard.processed_amount = processed
            wizard.preview = wizard._render_preview(
                dict(zip(open_milestones, amounts, strict=True)), new_amount
            )

    def _render_preview(self, new_amounts, new_amount):
        currency = self.sale_line_id.currency_id
        status_labels = dict(
            self.env["sale.billing.milestone"]
            ._fields["status"]
            ._description_selection(self.env)
        )
        rows = []
        total = 0.0
        for (
            milestone
        ) in self.sale_line_id.billing_milestone_ids._filter_revenue().sorted(
            lambda m: (m.sequence, m.id)
        ):
            after = new_amounts.get(milestone, milestone.amount)
            total += after
            rows.append(
                {
                    "name": milestone.display_name,
                    "status": status_labels[milestone.status],
                    "now": format_amount(self.env, milestone.amount, currency),
                    "after": format_amount(self.env, after, currency),
                }
            )
        new_row = None
        if self.method == "new":
            total += new_amount
            new_row = {
                "name": self.new_name or "",
                "after": format_amount(self.env, new_amount, currency),
            }
        return self.env["ir.qweb"]._render(
            "sale_milestone_billing.sale_billing_milestone_replan_preview",
            {
                "rows": rows,
                "new_row": new_row,
                "total": format_amount(self.env, total, currency),
            },
        )

    def action_apply(self):
        self.ensure_one()
        line = self.sale_line_id
        if self._is_retention_changed():
            if not self.retention_percent and line.billing_retention_withheld:
                raise UserError(
                    self.env._(
                        'Order line "%(line)s": its invoices withheld a retention '
                        "already; keep a Retention %% until its release bills it.",
                        line=line.display_name,
                    )
                )
            line.with_context(
                billing_replan=True
            ).billing_retention_percent = self.retention_percent
            line.order_id.message_post(
                body=self.env._(
                    "Retention of %(line)s re-planned to %(percent)s %%.",
                    line=line.display_name,
                    percent=format_percent(self.retention_percent),
                )
            )
            if not line.billing_replan_needed:
                return {"type": "ir.actions.act_window_close"}
        if not line.billing_replan_needed:
            raise UserError(
                self.env._(
                    'Order line "%(line)s": its schedule already covers its net '
                    "amount; nothing to re-plan.",
                    line=line.display_name,
                )
            )
        open_milestones, amounts, new_amount, __ = self._get_plan()
        if self.method == "new" and not (self.new_name or "").strip():
            raise UserError(
                self.env._("New Milestone: give the new milestone an identifier.")
            )
        if self.method == "new" and self.new_kind == "date" and not self.new_date:
            raise UserError(self.env._("New Milestone: a Date milestone needs a date."))
        old_net = line.billing_planned_net
        emptied = open_milestones.browse()
        with replanning(line):
            for milestone, amount in zip(open_milestones, amounts, strict=True):
                if line.currency_id.is_zero(amount):
                    emptied |= milestone
                    continue
                # Fixed amounts: the schedule covers the new net to the cent.
                milestone.write({"percent": 0.0, "fixed_amount": amount})
            # Nothing left to bill on them.
            emptied.unlink()
            self.env.flush_all()
        line._check_billing_schedule_totals()
        if self.method == "new" and not line.currency_id.is_zero(new_amount):
            self.env["sale.billing.milestone"].create(
                {
                    "sale_line_id": line.id,
                    "sequence": max(line.billing_milestone_ids.mapped("sequence")) + 1,
                    "name": self.new_name,
                    "description": self.new_description,
                    "kind": self.new_kind,
                    "days": self.new_days,
                    "date": self.new_date,
                    "fixed_amount": new_amount,
                }
            )
        line.billing_planned_net = line.price_subtotal
        line.order_id.message_post(
            body=self.env._(
                "Billing schedule of %(line)s re-planned from %(old)s to %(new)s: "
                "%(method)s.",
                line=line.display_name,
                old=format_amount(self.env, old_net, line.currency_id),
                new=format_amount(self.env, line.price_subtotal, line.currency_id),
                method=self._get_method_label(),
            )
        )
        return {"type": "ir.actions.act_window_close"}
