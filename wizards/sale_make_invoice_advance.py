# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    billing_schedule_info = fields.Html(
        string="Billing Schedule",
        sanitize=False,
        compute="_compute_billing_schedule_info",
        help="The open billing milestones of the orders, and when each is billable.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        # Odoo opens Create Invoice on a down payment when nothing is to be
        # invoiced; an order with a billing schedule is billed by its milestones.
        if (
            values.get("advance_payment_method") == "percentage"
            and self._get_scheduled_orders()
        ):
            values["advance_payment_method"] = "delivered"
        return values

    @api.model
    def _get_scheduled_orders(self):
        """The orders Create Invoice was opened on that have open billing
        milestones."""
        if self.env.context.get("active_model") != "sale.order":
            return self.env["sale.order"]
        orders = self.env["sale.order"].browse(self.env.context.get("active_ids", []))
        return orders.filtered(
            lambda order: (
                order.billing_milestone_ids
                - order.billing_milestone_ids._filter_processed()
            )
        )

    @api.depends("sale_order_ids")
    def _compute_billing_schedule_info(self):
        for wizard in self:
            scheduled = wizard.sale_order_ids.billing_milestone_ids
            milestones = scheduled - scheduled._filter_processed()
            if not milestones:
                wizard.billing_schedule_info = False
                continue
            # Each milestone's words escaped: built by hand, not sanitized.
            items = Markup().join(
                Markup("<li>%s</li>")
                % self.env._(
                    "%(order)s, %(milestone)s: %(when)s",
                    order=milestone.order_id.name,
                    milestone=milestone.display_name,
                    when=milestone.billable_reason or self.env._("billable now"),
                )
                # In the model's order: order, line, sequence.
                for milestone in milestones.sorted()
            )
            wizard.billing_schedule_info = Markup("<ul class='mb-0'>%s</ul>") % items
