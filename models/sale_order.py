from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    contract_date = fields.Date(
        copy=False,
        tracking=True,
        help="Base date of Days billing milestones. Set to the confirmation date "
        "when left empty; locked once a milestone of the order is processed.",
    )
    billing_milestone_ids = fields.One2many(
        "sale.billing.milestone", "order_id", string="Billing Milestones"
    )
    billing_milestone_count = fields.Integer(compute="_compute_billing_milestones")
    has_processed_billing_milestone = fields.Boolean(
        compute="_compute_billing_milestones"
    )

    @api.depends("billing_milestone_ids.status")
    def _compute_billing_milestones(self):
        counts = {
            (order.id, status): count
            for order, status, count in self.env["sale.billing.milestone"]._read_group(
                [("order_id", "in", self.ids)], ["order_id", "status"], ["__count"]
            )
        }
        for order in self:
            order.billing_milestone_count = sum(
                counts.get((order.id, status), 0)
                for status in ("to_process", "processed", "hold")
            )
            order.has_processed_billing_milestone = bool(
                counts.get((order.id, "processed"))
            )

    def write(self, vals):
        if "contract_date" in vals:
            self._check_contract_date_unlocked(vals["contract_date"])
        return super().write(vals)

    def _check_contract_date_unlocked(self, new_date):
        locked = self.filtered(
            lambda order: (
                order.has_processed_billing_milestone
                and order.contract_date != fields.Date.to_date(new_date)
            )
        )
        if locked:
            raise UserError(
                self.env._(
                    "The Contract Date of %(orders)s is locked: some of its billing "
                    "milestones are already processed.",
                    orders=", ".join(locked.mapped("name")),
                )
            )

    def action_confirm(self):
        today = fields.Date.context_today(self)
        self.filtered(
            lambda order: not order.contract_date and order.state in ("draft", "sent")
        ).contract_date = today
        return super().action_confirm()

    def action_view_billing_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_milestone_billing.sale_billing_milestone_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action
