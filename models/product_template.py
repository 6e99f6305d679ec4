# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    billing_milestone_template_ids = fields.One2many(
        "sale.billing.milestone.template",
        "product_tmpl_id",
        string="Billing Schedule Template",
        copy=True,
        help="Billing milestones given to each order line of this product.",
    )

    billing_retention_percent = fields.Float(
        string="Retention %",
        digits=(16, 2),
        aggregator=None,
        help="Retention % given to each new order line of this product: the "
        "percent of each milestone invoice withheld until the Retention Release "
        "milestone bills it; 0: none.",
    )

    @api.constrains("billing_retention_percent", "billing_milestone_template_ids")
    def _check_billing_retention(self):
        for product in self:
            percent = product.billing_retention_percent
            if not 0 <= percent <= 100:
                raise ValidationError(
                    self.env._(
                        'Product "%(product)s": Retention %% must be between 0 and '
                        "100 (got %(percent)s).",
                        product=product.display_name,
                        percent=percent,
                    )
                )
            releases = product.billing_milestone_template_ids.filtered(
                "is_retention_release"
            )
            if releases and not percent:
                raise ValidationError(
                    self.env._(
                        'Product "%(product)s": milestone %(milestones)s is a '
                        "Retention Release, but the product withholds no "
                        "Retention %%. Set its Retention %% first.",
                        product=product.display_name,
                        milestones=releases._milestone_labels(),
                    )
                )
            if len(releases) > 1:
                raise ValidationError(
                    self.env._(
                        'Product "%(product)s": milestones %(milestones)s are both '
                        "Retention Releases; a line releases its retention once.",
                        product=product.display_name,
                        milestones=releases._milestone_labels(),
                    )
                )

    @api.constrains("type", "service_type")
    def _check_milestone_policy_on_service(self):
        self._raise_if_milestones_on_goods(
            self.filtered(lambda p: p.service_type == "milestones")
        )

    @api.onchange("service_policy")  # keeps sale_project's onchange on the inverse
    def _inverse_service_policy(self):
        self._raise_if_milestones_on_goods(
            self.filtered(lambda p: p.service_policy == "delivered_milestones")
        )
        return super()._inverse_service_policy()

    @api.model
    def _raise_if_milestones_on_goods(self, products):
        """Refuse the milestone policy on ``products`` that are not services."""
        type_names = dict(self._fields["type"]._description_selection(self.env))
        for product in products:
            if product.type != "service":
                raise ValidationError(
                    self.env._(
                        'Product "%(product)s": the Invoicing Policy "Based on '
                        'Milestones" is only for services, not for a product of '
                        'type "%(type)s".',
                        product=product.display_name,
                        type=type_names.get(product.type, product.type),
                    )
                )
