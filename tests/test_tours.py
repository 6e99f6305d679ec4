# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestTours(BillingMilestoneCommon, HttpCase):
    """The flows users click, in a real browser (headless Chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # A sales manager who may post invoices, in the company of the orders;
        # start_tour logs in with the login as password.
        new_test_user(
            cls.env,
            login="smb_tour_billing",
            password="smb_tour_billing",
            groups="sales_team.group_sale_manager,account.group_account_invoice,"
            "project.group_project_user",
            company_id=company.id,
            company_ids=company.ids,
        )

    def test_reach_create_invoice_and_post_in_the_browser(self):
        order = self._create_order(self.product_scheduled)
        order.action_confirm()
        m1, m2, m3 = order.order_line.billing_milestone_ids
        # One due date for both, so that they land on one invoice.
        m2.write({"due_days": 0, "due_date": False})
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "sale_milestone_billing_invoice_tour",
            login="smb_tour_billing",
        )
        self.assertTrue(m2.is_reached)
        self.assertEqual(
            (m1.status, m2.status, m3.status), ("processed",) * 2 + ("to_process",)
        )
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 700.0)
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, m1 | m2)

    def test_customer_reads_the_schedule_on_the_portal(self):
        # start_tour logs in with the login as password.
        new_test_user(
            self.env,
            login="smb_tour_portal",
            password="smb_tour_portal",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        order = self._create_order(self.product_scheduled)
        order.action_confirm()
        order._create_invoices().action_post()
        self.start_tour(
            order.get_portal_url(),
            "sale_milestone_billing_portal_tour",
            login="smb_tour_portal",
        )

    def test_batch_wizard_previews_and_creates_what_is_ticked(self):
        orders = self._create_order(price=1000) | self._create_order(price=2000)
        for order in orders:
            self._add_milestones(
                order.order_line, {"kind": "days", "days": 0, "percent": 30}
            )
        orders.action_confirm()
        milestones = orders.order_line.billing_milestone_ids
        self.start_tour(
            "/odoo/action-sale.action_orders",
            "sale_milestone_billing_batch_tour",
            login="smb_tour_billing",
        )
        # The second row of the preview was unticked: one billed, one left.
        billed = milestones.filtered(lambda m: m.status == "processed")
        self.assertEqual(len(billed), 1)
        self.assertEqual(billed.invoice_id.amount_untaxed, billed.amount)
        self.assertEqual((milestones - billed).status, "to_process")

    def test_hold_and_release_in_the_browser(self):
        order = self._create_order()
        milestone = self._add_milestones(
            order.order_line, {"kind": "days", "days": 0, "percent": 30}
        )
        order.action_confirm()
        self.start_tour(
            f"/odoo/action-sale_milestone_billing.sale_billing_milestone_action/{milestone.id}",
            "sale_milestone_billing_hold_tour",
            login="smb_tour_billing",
        )
        self.assertEqual(milestone.status, "to_process")
        self.assertFalse(milestone.on_hold)
        self.assertEqual(milestone.release_reason, "Report received")
        messages = order.message_ids.mapped("body")
        self.assertTrue(any("Waiting for the acceptance report" in m for m in messages))

    def test_processed_milestone_offers_no_delete_in_the_browser(self):
        order = self._create_order(self.product_scheduled)
        order.action_confirm()
        m1, m2, m3 = order.order_line.billing_milestone_ids
        self._invoice_milestones(m1)
        self.assertEqual(m1.status, "processed")
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "sale_milestone_billing_schedule_delete_tour",
            login="smb_tour_billing",
        )
        self.assertEqual(order.order_line.billing_milestone_ids, m1 | m2)
        self.assertFalse(m3.exists())

    def test_a_new_line_opens_its_schedule_from_the_first_click(self):
        before = self.env["sale.order"].search([])
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding/new",
            "sale_milestone_billing_schedule_new_line_tour",
            login="smb_tour_billing",
        )
        order = self.env["sale.order"].search([]) - before
        self.assertEqual(order.partner_id, self.customer)
        milestones = order.order_line.billing_milestone_ids
        self.assertEqual(milestones.mapped("name"), ["M1", "M2", "M3"])
        self.assertEqual(
            milestones.mapped("description"),
            ["Kick-off meeting", "Design approved", "Go-live"],
        )

    def test_invoice_a_retention_then_its_release_in_the_browser(self):
        order = self._create_order()
        line = order.order_line
        line.billing_retention_percent = 10
        m1, release = self._add_milestones(
            line,
            {"kind": "days", "days": 0, "percent": 100, "description": "Build"},
            {
                "kind": "manual",
                "is_retention_release": True,
                "description": "Works accepted",
            },
        )
        order.action_confirm()
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "sale_milestone_billing_retention_tour",
            login="smb_tour_billing",
        )
        first, final = order.invoice_ids.sorted("id")
        self.assertEqual((first.state, first.amount_total), ("posted", 900.0))
        self.assertEqual((final.state, final.amount_total), ("posted", 100.0))
        self.assertEqual(final.invoice_line_ids.billing_milestone_id, release)
        self.assertEqual(
            (line.billing_retention_held, line.billing_retention_released),
            (0.0, 100.0),
        )
