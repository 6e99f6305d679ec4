# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import LedgerCase


@tagged("post_install", "-at_install")
class TestReplan(LedgerCase):
    """A line of 10,000: M1 30 % invoiced (3,000), M2 40 % and M3 30 % open;
    then its quantity doubles to a net of 20,000."""

    def _doubled(self):
        order = self._create_order(price=10000)
        m1, m2, m3 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 40},
            {"kind": "manual", "percent": 30},
        )
        order.action_confirm()
        self._invoice(order).action_post()
        order.order_line.product_uom_qty = 2
        return order, m1, m2, m3

    def _replan(self, line, **values):
        return self.env["sale.billing.milestone.replan"].create(
            {"sale_line_id": line.id, **values}
        )

    def test_net_change_after_invoicing_waits_for_a_replan(self):
        order, m1, m2, __ = self._doubled()
        line = order.order_line
        self.assertTrue(line.billing_replan_needed)
        self.assertEqual(line.billing_planned_net, 10000.0)
        m2.is_reached = True
        self.assertFalse(m2.is_billable_now)
        self.assertIn("re-plan its schedule", m2.billable_reason)
        with self.assertRaisesRule(UserError, r"M2: The line's net amount changed"):
            self._invoice(order)
        self.assertEqual(len(order.invoice_ids), 1)

    def test_proportional_spreads_the_difference_to_the_cent(self):
        order, m1, m2, m3 = self._doubled()
        wizard = self._replan(order.order_line, method="proportional")
        self.assertEqual(
            (wizard.old_net, wizard.new_net, wizard.processed_amount),
            (10000, 20000, 3000),
        )
        self.assertEqual(wizard.difference, 10000.0)
        self.assertIn("9,714.29", wizard.preview)
        self.assertIn("20,000.00", wizard.preview)
        wizard.action_apply()
        self.assertEqual((m1.amount, m2.amount, m3.amount), (3000.0, 9714.29, 7285.71))
        self.assertEqual((m2.percent, m2.fixed_amount), (0.0, 9714.29))
        self.assertFalse(order.order_line.billing_replan_needed)
        self.assertIn("re-planned", order.message_ids[0].body)
        m2.is_reached = True
        self.assertEqual(self._invoice(order).amount_untaxed, 9714.29)

    def test_last_open_milestone_takes_the_difference(self):
        order, m1, m2, m3 = self._doubled()
        self._replan(order.order_line, method="last").action_apply()
        self.assertEqual((m1.amount, m2.amount, m3.amount), (3000.0, 4000.0, 13000.0))

    def test_difference_as_a_new_milestone(self):
        order, __, m2, m3 = self._doubled()
        wizard = Form(
            self.env["sale.billing.milestone.replan"].with_context(
                default_sale_line_id=order.order_line.id
            )
        )
        wizard.method = "new"
        wizard.new_name = "M4"
        wizard.new_description = "Second site"
        self.assertIn("10,000.00", wizard.preview)
        wizard.save().action_apply()
        new = order.order_line.billing_milestone_ids - m2 - m3
        new = new.filtered(lambda m: m.name == "M4")
        self.assertEqual(
            (new.amount, new.kind, new.description), (10000.0, "manual", "Second site")
        )
        self.assertEqual((m2.amount, m3.amount), (4000.0, 3000.0))
        self.assertEqual(
            sum(order.order_line.billing_milestone_ids.mapped("amount")), 20000.0
        )

    def test_a_new_milestone_needs_an_identifier(self):
        order, *__ = self._doubled()
        wizard = self._replan(order.order_line, method="new", new_name=" ")
        with self.assertRaisesRule(UserError, r"New Milestone: give"):
            wizard.action_apply()
        self.assertTrue(order.order_line.billing_replan_needed)

    def test_a_spread_below_zero_is_refused_and_changes_nothing(self):
        order, m1, m2, m3 = self._doubled()
        order.order_line.product_uom_qty = 0.5
        for method in ("last", "new"):
            wizard = self._replan(order.order_line, method=method)
            self.assertIn("would go below zero", wizard.error)
            with self.assertRaisesRule(UserError, r"Order line .*below zero"):
                wizard.action_apply()
        self.assertEqual((m2.percent, m3.percent), (40.0, 30.0))
        self._replan(order.order_line, method="proportional").action_apply()
        self.assertEqual((m1.amount, m2.amount, m3.amount), (3000.0, 1142.86, 857.14))

    def test_lines_without_invoiced_milestones_follow_their_net(self):
        order, m1, m2 = self._order(price=10000)
        order.order_line.product_uom_qty = 2
        self.assertFalse(order.order_line.billing_replan_needed)
        self.assertEqual((m1.amount, m2.amount), (6000.0, 14000.0))

    def test_planned_net_is_the_net_of_the_live_invoices(self):
        order = self._create_order(price=10000)
        self._add_milestones(order.order_line, {"kind": "days", "percent": 30})
        order.action_confirm()
        line = order.order_line
        self.assertEqual(line.billing_planned_net, 10000.0)
        invoice = self._invoice(order)
        line.product_uom_qty = 2
        self.assertEqual(line.billing_planned_net, 10000.0)
        self.assertTrue(line.billing_replan_needed)
        # Its only invoice cancelled, the schedule is unbilled again: it
        # follows the line's net, and the next invoice is made on that net.
        invoice.button_cancel()
        self.assertEqual(line.billing_planned_net, 20000.0)
        self.assertFalse(line.billing_replan_needed)
        self.assertEqual(self._invoice(order).amount_untaxed, 6000.0)
        line.product_uom_qty = 3
        self.assertEqual(line.billing_planned_net, 20000.0)
        self.assertTrue(line.billing_replan_needed)

    def test_only_sales_users_replan(self):
        order, *__ = self._doubled()
        project_user = new_test_user(
            self.env, "smb_replan_project", groups="project.group_project_user"
        )
        with self.assertRaises(AccessError):
            self.env["sale.billing.milestone.replan"].with_user(project_user).create(
                {"sale_line_id": order.order_line.id, "method": "last"}
            )
        self.assertTrue(order.order_line.billing_replan_needed)

    def test_open_amounts_follow_the_new_net_until_replanned(self):
        # At the list price of a product that makes a project: Odoo re-prices
        # the line when its quantity changes, reading its invoiced quantity.
        self.product_scheduled.service_tracking = "project_only"
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.product_scheduled.id})
                ],
            }
        )
        order.action_confirm()
        m1, m2, m3 = order.order_line.billing_milestone_ids
        self._invoice(order)
        self.env.flush_all()
        order.order_line.write({"product_uom_qty": 2})
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(order.order_line.price_subtotal, 2000.0)
        self.assertEqual((m1.amount, m2.amount, m3.amount), (300.0, 800.0, 900.0))
        self.assertEqual(order.order_line.qty_invoiced, 0.3)
