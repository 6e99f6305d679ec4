# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestProductBillingTemplate(BillingMilestoneCommon):
    def test_milestone_product_carries_a_schedule_template(self):
        templates = self.product_scheduled.billing_milestone_template_ids
        self.assertEqual(templates.mapped("name"), ["M1", "M2", "M3"])
        self.assertEqual(templates.mapped("kind"), ["days", "manual", "days"])
        self.assertEqual(sum(templates.mapped("percent")), 100)
        self.assertEqual(templates[1].due_days, 30)

    def test_template_percent_total_above_100_is_refused(self):
        with self.assertRaisesRule(
            ValidationError, r"Website \(scheduled\).*adds up to 110.* above 100"
        ):
            self.product_scheduled.billing_milestone_template_ids[0].percent = 40

    def test_template_with_amount_and_percent_is_refused(self):
        with self.assertRaisesRule(
            ValidationError, r'"T1": set exactly one of Fixed Amount and Percent'
        ):
            self.product_milestone.billing_milestone_template_ids = [
                Command.create({"name": "T1", "fixed_amount": 10, "percent": 10})
            ]

    def test_template_date_milestone_without_date_is_refused(self):
        with self.assertRaisesRule(ValidationError, r'"T1": a Date milestone needs'):
            self.product_milestone.billing_milestone_template_ids = [
                Command.create({"name": "T1", "kind": "date", "percent": 10})
            ]

    def test_milestone_policy_on_goods_is_refused(self):
        with self.assertRaisesRule(
            ValidationError,
            r'"Bricks": the Invoicing Policy "Based on Milestones" is only for '
            r'services, not for a product of type "Goods"',
        ):
            self.env["product.template"].create(
                {
                    "name": "Bricks",
                    "type": "consu",
                    "invoice_policy": "delivery",
                    "service_type": "milestones",
                }
            )

    def test_milestone_policy_on_goods_is_refused_through_the_policy_field(self):
        with self.assertRaisesRule(ValidationError, r"only for services"):
            self.env["product.template"].create(
                {
                    "name": "Bricks",
                    "type": "consu",
                    "service_policy": "delivered_milestones",
                }
            )

    def test_turning_a_milestone_service_into_goods_resets_its_policy(self):
        """The form follows Odoo: goods fall back to the ordinary policy."""
        product_form = Form(self.product_milestone.product_tmpl_id)
        product_form.type = "consu"
        product = product_form.save()
        self.assertEqual(product.service_type, "manual")
        self.assertEqual(product.invoice_policy, "order")

    def test_milestone_policy_on_goods_is_refused_on_csv_import(self):
        fields = ["name", "type", "invoice_policy", "service_type"]
        rows = [
            ["Imported service", "service", "delivery", "milestones"],
            ["Imported bricks", "consu", "delivery", "milestones"],
        ]
        with mute_logger("odoo.sql_db"):
            result = self.env["product.template"].load(fields, rows)
        self.assertFalse(result["ids"])
        self.assertIn("only for services", result["messages"][0]["message"])
        self.assertFalse(
            self.env["product.template"].search(
                [("name", "in", ["Imported service", "Imported bricks"])]
            )
        )

    def test_service_can_be_sold_on_milestones(self):
        product = self.env["product.template"].create(
            {
                "name": "Course",
                "type": "service",
                "service_policy": "delivered_milestones",
            }
        )
        self.assertEqual(product.service_type, "milestones")
