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


@tagged("-standard", "concurrency", "post_install", "-at_install")
class TestInvoicingLocks(CommittedOrdersCase):
    """Invoicing locks milestones no more than it must: what only refers to
    them (a preview, a hold wizard) does not wait for it."""

    def setUp(self):
        super().setUp()
        self._commit_orders(900.0, 600.0)

    def test_a_preview_opened_while_another_user_invoices_returns_at_once(self):
        with self.registry.cursor() as invoicing_cr:
            self._orders(invoicing_cr)._create_invoices()
            # Invoicing holds its locks until it commits; the other user's
            # statements may not wait for them.
            with self.registry.cursor() as other_cr:
                other_cr.execute("SET LOCAL lock_timeout = '1s'")
                orders = self._orders(other_cr)
                preview = (
                    orders.env["sale.billing.milestone.invoice"]
                    .with_context(active_model="sale.order", active_ids=orders.ids)
                    .create({})
                )
                self.assertEqual(
                    preview.line_ids.milestone_id, orders.billing_milestone_ids
                )
                hold = orders.env["sale.billing.milestone.hold"].create(
                    {
                        "milestone_ids": orders.billing_milestone_ids.ids,
                        "reason": "Waiting for the customer",
                    }
                )
                hold.flush_recordset()
                other_cr.rollback()

    def test_a_preview_begun_before_an_invoicing_commits_is_not_retried(self):
        """Its rows refer to milestones invoicing changed and committed since it
        began: no serialization failure (which Odoo would retry)."""
        with self.registry.cursor() as other_cr:
            orders = self._orders(other_cr)
            self.assertEqual(
                orders.billing_milestone_ids.mapped("status"), ["to_process"] * 2
            )
            with self.registry.cursor() as invoicing_cr:
                self._orders(invoicing_cr)._create_invoices()
            hold = orders.env["sale.billing.milestone.hold"].create(
                {
                    "milestone_ids": orders.billing_milestone_ids.ids,
                    "reason": "Waiting for the customer",
                }
            )
            hold.flush_recordset()
            other_cr.rollback()

    def test_invoicing_one_milestone_twice_at_once_still_refuses_the_second(self):
        with self.registry.cursor() as first_cr:
            self._orders(first_cr)._create_invoices()
            with self.registry.cursor() as second_cr:
                with self.assertRaisesRegex(
                    UserError, r"being invoiced by someone else right now"
                ):
                    self._orders(second_cr)._create_invoices()
                second_cr.rollback()
