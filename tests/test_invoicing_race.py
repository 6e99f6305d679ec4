# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedOrdersCase


@tagged("-standard", "concurrency", "post_install", "-at_install")
class TestInvoicingRace(CommittedOrdersCase):
    def setUp(self):
        super().setUp()
        self._commit_orders(900.0)

    def test_two_users_invoicing_one_order_bill_each_milestone_once(self):
        with self.registry.cursor() as first_cr:
            first = self._orders(first_cr)._create_invoices()
            with self.registry.cursor() as second_cr:
                with self.assertRaisesRegex(
                    UserError, r"being invoiced by someone else right now"
                ):
                    self._orders(second_cr)._create_invoices()
                second_cr.rollback()
            self.assertEqual(first.amount_untaxed, 900)

        with self.registry.cursor() as cr:
            order = self._orders(cr)
            self.assertEqual(len(order.invoice_ids), 1)
            milestone = order.billing_milestone_ids
            self.assertEqual(milestone.status, "processed")
            with self.assertRaisesRegex(UserError, r"M1: Already processed"):
                order._create_invoices()
            cr.rollback()
