# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _inverse_service_policy(self):
        self.env["product.template"]._raise_if_milestones_on_goods(
            self.filtered(lambda p: p.service_policy == "delivered_milestones")
        )
        return super()._inverse_service_policy()
