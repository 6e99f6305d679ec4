# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# One concern of sale.order per file, as Odoo splits its own models.
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models


class SaleOrder(models.Model):
    """The retention of the order's lines, as its Billing Schedule tab, the
    portal and the PDF show it."""

    _inherit = "sale.order"

    billing_retention_held = fields.Monetary(
        string="Retention Held",
        compute="_compute_billing_retention",
        help="Retention the customer keeps now on the order's posted invoices, "
        "until its release.",
    )
    billing_retention_released = fields.Monetary(
        string="Retention Released",
        compute="_compute_billing_retention",
        help="Retention the posted release invoices of the order bill.",
    )
    has_billing_retention = fields.Boolean(
        compute="_compute_billing_retention",
        help="A line of the order withholds a retention.",
    )

    @api.depends(
        "order_line.billing_retention_percent",
        "order_line.billing_retention_held",
        "order_line.billing_retention_released",
    )
    def _compute_billing_retention(self):
        for order in self:
            lines = order.order_line
            order.billing_retention_held = sum(lines.mapped("billing_retention_held"))
            order.billing_retention_released = sum(
                lines.mapped("billing_retention_released")
            )
            order.has_billing_retention = any(lines.mapped("billing_retention_percent"))
