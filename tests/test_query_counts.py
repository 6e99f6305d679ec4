from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import warmup

from .common import BillingMilestoneCommon

# Queries to invoice one order of one line from cold caches, whatever its number
# of milestones (measured 2026-11-22: 95, 96 and 86 for both 1 and 20, plus a
# margin of 2): one more query per milestone breaks the 20-milestone runs.
BUDGET = {"create_invoice": 97, "batch_wizard": 98, "daily_job": 88}


@tagged("post_install", "-at_install")
class TestQueryCounts(BillingMilestoneCommon):
    """Invoicing costs the same queries for 1 and 20 milestones, on each path."""

    def _order(self, count):
        """A confirmed order of one line of ``count`` milestones, all billable."""
        order = self._create_order(price=2000)
        self._add_milestones(
            order.order_line,
            *[{"kind": "days", "days": 0, "percent": 100 / count}] * count,
        )
        order.action_confirm()
        return order

    def _assert_flat(self, path, invoice):
        for count in (1, 20):
            warm_up, order = self._order(count), self._order(count)
            # The first invoice of a shape reads what every later one shares.
            invoice(warm_up)
            self.env.flush_all()
            self.env.invalidate_all()
            with self.subTest(milestones=count), self.assertQueryCount(BUDGET[path]):
                invoice(order)
            self.assertEqual(order.invoice_ids.amount_untaxed, 2000.0)

    @warmup
    def test_create_invoice_queries_do_not_grow_with_milestones(self):
        self._assert_flat(
            "create_invoice",
            lambda order: (
                self.env["sale.advance.payment.inv"]
                .with_context(active_model="sale.order", active_ids=order.ids)
                .create({"advance_payment_method": "delivered"})
                .create_invoices()
            ),
        )

    @warmup
    def test_batch_wizard_queries_do_not_grow_with_milestones(self):
        self._assert_flat(
            "batch_wizard",
            lambda order: (
                self.env["sale.billing.milestone.invoice"]
                .create({"order_ids": order.ids})
                .action_create_invoices()
            ),
        )

    @warmup
    def test_daily_job_queries_do_not_grow_with_milestones(self):
        self.env.company.billing_milestone_auto_invoice = "draft"
        self._assert_flat(
            "daily_job",
            lambda order: order._auto_invoice_billing_milestones(
                fields.Date.context_today(order)
            ),
        )
