# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestInvoicingFlows(BillingMilestoneCommon):
    def test_seed_flow_with_project_milestones(self):
        """Odoo's own walkthrough: three milestone products creating tasks in
        "Rebranding Projects", milestones reached one by one."""
        products = self.env["product.product"].create(
            [
                {
                    "name": name,
                    "type": "service",
                    "service_policy": "delivered_milestones",
                    "service_tracking": "task_global_project",
                    "project_id": self.project.id,
                    "list_price": price,
                    "taxes_id": [Command.clear()],
                }
                for name, price in (("Logo", 500), ("Brand book", 800), ("Site", 2000))
            ]
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": p.id}) for p in products],
            }
        )
        order.action_confirm()
        self.assertEqual(order.tasks_count, 3)
        self.assertTrue(order.is_product_milestone)
        self.assertEqual(
            order.action_view_milestone()["res_model"], "project.milestone"
        )
        milestones = self.env["project.milestone"].create(
            [
                {
                    "name": line.product_id.name,
                    "project_id": self.project.id,
                    "sale_line_id": line.id,
                    "deadline": "2026-12-31",
                }
                for line in order.order_line
            ]
        )
        for task in order.tasks_ids:
            task.milestone_id = milestones.filtered(
                lambda m, t=task: m.sale_line_id == t.sale_line_id
            )
        self.assertEqual(order.tasks_ids.milestone_id, milestones)
        logo_line = order.order_line[0]
        milestones[0].is_reached = True
        self.assertEqual(order.order_line.mapped("qty_delivered"), [1, 0, 0])

        invoice = self._invoice(order)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, logo_line)
        self.assertEqual(invoice.amount_untaxed, 500)
        invoice.action_post()
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [1, 0, 0])
        action = order.action_view_invoice()
        self.assertEqual(action.get("res_id"), invoice.id)

    @freeze_time("2026-03-10")
    def test_seed_flow_with_a_scheduled_line(self):
        """The same flow with Days, Date and Manual milestones and two due dates:
        two invoices, due exactly when the schedule says."""
        product = self.env["product.product"].create(
            {
                "name": "Rebranding (scheduled)",
                "type": "service",
                "service_policy": "delivered_milestones",
                "service_tracking": "task_global_project",
                "project_id": self.project.id,
                "list_price": 3000,
                "taxes_id": [Command.clear()],
                "billing_milestone_template_ids": [
                    Command.create(
                        {"name": "M1", "kind": "days", "days": 0, "percent": 20}
                    ),
                    Command.create(
                        {
                            "name": "M2",
                            "kind": "date",
                            "date": "2026-03-01",
                            "percent": 30,
                            "due_days": 15,
                        }
                    ),
                    Command.create(
                        {
                            "name": "M3",
                            "kind": "manual",
                            "percent": 50,
                            "due_days": 15,
                        }
                    ),
                ],
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        order.action_confirm()
        m1, m2, m3 = order.order_line.billing_milestone_ids
        self.assertEqual(order.tasks_count, 1)
        invoices = self._invoice(order)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(sorted(invoices.mapped("amount_untaxed")), [600.0, 900.0])
        invoices.action_post()
        self.assertEqual(m2.invoice_id.invoice_date_due, date(2026, 3, 16))
        self.assertNotEqual(m1.invoice_id, m2.invoice_id)

        m3.action_reach()
        last = self._invoice(order)
        last.action_post()
        self._pay(last)
        self.assertEqual(last.invoice_date_due, date(2026, 3, 25))
        self.assertIn(m3.invoice_payment_state, ("in_payment", "paid"))
        self.assertEqual(order.order_line.qty_invoiced, 1)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(sum(order.invoice_ids.mapped("amount_untaxed")), 3000)

    def test_down_payment_scheduled_and_ordinary_lines_bill_the_order_total(self):
        order = self._create_order(price=1000)
        self.env["sale.order.line"].create(
            {"order_id": order.id, "product_id": self.product_ordinary.id}
        )
        m1, m2 = self._add_milestones(
            order.order_line[0],
            {"kind": "manual", "percent": 50},
            {"kind": "manual", "percent": 50},
        )
        order.action_confirm()
        self.assertEqual(order.amount_total, 1100)

        down_payment = self._invoice(
            order, advance_payment_method="percentage", amount=10
        )
        self.assertEqual(down_payment.amount_total, 110)
        down_payment.action_post()
        m1.action_reach()
        second = self._invoice(order)
        self.assertEqual(second.amount_total, 490)
        second.action_post()
        m2.action_reach()
        third = self._invoice(order)
        self.assertEqual(third.amount_total, 500)
        third.action_post()
        self.assertEqual(sum(order.invoice_ids.mapped("amount_total")), 1100)
        self.assertEqual(order.invoice_status, "invoiced")

    def test_foreign_currency_order_bills_in_its_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        order = self._create_order(price=1234.56, pricelist_id=pricelist.id)
        milestones = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 33.33},
            {"kind": "days", "days": 0, "fixed_amount": 200},
        )
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(invoice.currency_id, eur)
        self.assertEqual(milestones.currency_id, eur)
        self.assertEqual(
            invoice.invoice_line_ids.mapped("price_subtotal"), [411.48, 200.0]
        )
        self.assertEqual(invoice.amount_untaxed, 611.48)
        invoice.action_post()
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(receivable.amount_currency, 611.48)
        self.assertEqual(receivable.balance, 1222.96)
