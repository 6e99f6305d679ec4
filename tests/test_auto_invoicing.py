# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, api, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon, CommittedOrdersCase

CRON_XMLID = "sale_milestone_billing.ir_cron_invoice_billing_milestones"
SALE_ORDER_LOGGER = "odoo.addons.sale_milestone_billing.models.sale_order"


@tagged("post_install", "-at_install")
class TestAutoInvoicing(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company()["company"]
        # Only the test's orders are invoiced, whatever the database's companies
        # say; the test user is not in all of them.
        cls.env["res.company"].sudo().search([]).billing_milestone_auto_invoice = "off"

    def _run_cron(self, batch_size=50, **kwargs):
        """One call of the job as the scheduler makes it: as OdooBot, with a
        progress record of the job. Return the progress it reports."""
        env = self.env(user=api.SUPERUSER_ID)
        cron, progress = env.ref(CRON_XMLID)._add_progress()
        cron.env["sale.order"]._cron_invoice_billing_milestones(
            batch_size=batch_size, **kwargs
        )
        return progress.done, progress.remaining

    def test_cron_is_daily_and_active(self):
        cron = self.env.ref(CRON_XMLID)
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.model_id.model, "sale.order")

    def test_setting_defaults_to_off_and_is_in_sales_settings(self):
        self.assertEqual(self.company.billing_milestone_auto_invoice, "off")
        settings = self.env["res.config.settings"].create({})
        settings.billing_milestone_auto_invoice = "post"
        settings.execute()
        self.assertEqual(self.company.billing_milestone_auto_invoice, "post")

    def test_setting_off_invoices_nothing(self):
        order, milestone = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 100}
        )
        self.assertEqual(self._run_cron(), (0, 0))
        self.assertFalse(order.invoice_ids)
        self.assertEqual(milestone.status, "to_process")

    def test_draft_setting_invoices_only_billable_milestones(self):
        self.company.billing_milestone_auto_invoice = "draft"
        order, (due, later, reached, waiting, held) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 15},
            {"kind": "days", "days": 30, "percent": 10},
            {"kind": "manual", "percent": 20, "is_reached": True},
            {"kind": "manual", "percent": 35},
            {"kind": "date", "date": "2020-01-01", "percent": 20},
            price=1234.56,
        )
        held._put_on_hold("Customer dispute")
        self.assertEqual(self._run_cron(), (1, 0))
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.company_id, self.company)
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, due | reached)
        self.assertEqual(
            invoice.invoice_line_ids.mapped("price_subtotal"), [185.18, 246.91]
        )
        self.assertEqual(invoice.amount_untaxed, 432.09)
        self.assertEqual((due | reached).mapped("status"), ["processed"] * 2)
        self.assertEqual(
            (later | waiting | held).mapped("status"),
            ["to_process", "to_process", "hold"],
        )

    def test_post_setting_posts_the_invoices(self):
        self.company.billing_milestone_auto_invoice = "post"
        order, milestones = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 40, "due_days": 15},
            {"kind": "days", "days": 0, "percent": 60},
            price=999.99,
        )
        self._run_cron()
        self.assertEqual(order.invoice_ids.mapped("state"), ["posted"] * 2)
        self.assertEqual(
            sorted(order.invoice_ids.mapped("amount_total")), [400.0, 599.99]
        )
        self.assertEqual(milestones.mapped("status"), ["processed"] * 2)

    def test_ordinary_lines_of_the_order_are_not_invoiced(self):
        self.company.billing_milestone_auto_invoice = "post"
        order = self._create_order(price=800.0)
        order.order_line = [
            Command.create({"product_id": self.product_ordinary.id, "price_unit": 150})
        ]
        milestone_line, ordinary_line = order.order_line
        self._add_milestones(milestone_line, {"kind": "days", "days": 0, "percent": 50})
        order.action_confirm()
        self._run_cron()
        self.assertEqual(order.invoice_ids.amount_untaxed, 400.0)
        self.assertEqual(
            order.invoice_ids.invoice_line_ids.sale_line_ids, milestone_line
        )
        self.assertEqual(ordinary_line.qty_invoiced, 0.0)
        self.assertEqual(ordinary_line.qty_to_invoice, 1.0)

    def test_each_company_follows_its_own_setting(self):
        self.company.billing_milestone_auto_invoice = "draft"
        self.other_company.billing_milestone_auto_invoice = "post"
        order, __ = self._confirmed_order({"kind": "days", "days": 0, "percent": 100})
        other, __ = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 100},
            price=250.5,
            company_id=self.other_company.id,
        )
        self.assertEqual(self._run_cron(), (2, 0))
        self.assertEqual(order.invoice_ids.state, "draft")
        self.assertEqual(order.invoice_ids.journal_id.company_id, self.company)
        self.assertEqual(other.invoice_ids.state, "posted")
        self.assertEqual(other.invoice_ids.company_id, self.other_company)
        self.assertEqual(other.invoice_ids.journal_id.company_id, self.other_company)
        # The other company's chart put its default sales tax on the product.
        self.assertEqual(other.invoice_ids.amount_untaxed, 250.5)
        self.assertEqual(other.invoice_ids.amount_total, 288.08)

    def test_batches_report_progress_to_the_scheduler(self):
        self.company.billing_milestone_auto_invoice = "draft"
        orders = [
            self._confirmed_order({"kind": "days", "days": 0, "percent": 100})[0]
            for __ in range(3)
        ]
        for invoiced, remaining in ((1, 2), (2, 1), (3, 0)):
            self.assertEqual(self._run_cron(batch_size=1), (1, remaining))
            self.assertEqual(
                [bool(order.invoice_ids) for order in orders],
                [index < invoiced for index in range(3)],
            )
        self.assertEqual(self._run_cron(batch_size=1), (0, 0))

    def test_the_orders_remaining_are_counted_up_to_a_limit(self):
        self.company.billing_milestone_auto_invoice = "draft"
        for __ in range(4):
            self._confirmed_order({"kind": "days", "days": 0, "percent": 100})
        self.assertEqual(self._run_cron(batch_size=1, count_limit=2), (1, 2))
        self.assertEqual(self._run_cron(batch_size=1, count_limit=2), (1, 2))
        self.assertEqual(self._run_cron(batch_size=1, count_limit=2), (1, 1))

    def test_a_call_takes_no_new_order_once_its_time_is_spent(self):
        self.company.billing_milestone_auto_invoice = "draft"
        orders = [
            self._confirmed_order({"kind": "days", "days": 0, "percent": 100})[0]
            for __ in range(3)
        ]
        self.assertEqual(self._run_cron(time_budget=0.0), (1, 2))
        self.assertEqual(
            [bool(order.invoice_ids) for order in orders], [True, False, False]
        )
        self.assertEqual(self._run_cron(), (2, 0))

    def _patch_failure(self, failing):
        """Invoicing ``failing`` creates its invoice, then fails."""
        SaleOrder = type(self.env["sale.order"])
        create_invoices = SaleOrder._create_invoices

        def create_then_fail(orders, *args, **kwargs):
            invoices = create_invoices(orders, *args, **kwargs)
            if failing in orders:
                raise UserError(
                    orders.env._("No income account is defined for Consulting.")
                )
            return invoices

        return patch.object(SaleOrder, "_create_invoices", create_then_fail)

    def test_failing_order_is_rolled_back_and_told_in_its_chatter(self):
        self.company.billing_milestone_auto_invoice = "post"
        (first, __), (failing, failing_milestones), (last, __) = (
            self._confirmed_order(
                {"kind": "days", "days": 0, "percent": 30},
                {"kind": "manual", "percent": 70, "is_reached": True},
                price=price,
            )
            for price in (100.0, 200.0, 300.0)
        )
        with self._patch_failure(failing), mute_logger(SALE_ORDER_LOGGER):
            self.assertEqual(self._run_cron(), (3, 0))
        self.assertEqual(first.invoice_ids.amount_total, 100.0)
        self.assertEqual(last.invoice_ids.amount_total, 300.0)
        self.assertEqual((first | last).invoice_ids.mapped("state"), ["posted"] * 2)
        self.assertFalse(failing.invoice_ids)
        self.assertFalse(
            self.env["account.move.line"].search(
                [("sale_line_ids", "in", failing.order_line.ids)]
            )
        )
        self.assertEqual(failing_milestones.mapped("status"), ["to_process"] * 2)
        self.assertEqual(failing.billing_auto_invoice_failed_date, fields.Date.today())
        message = failing.message_ids[0]
        self.assertIn(
            "Automatic invoicing of the billing milestones failed", message.body
        )
        self.assertIn("No income account is defined for Consulting.", message.body)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse([m for m in first.message_ids if "failed" in (m.body or "")])

    def test_failed_order_is_tried_again_the_next_day(self):
        self.company.billing_milestone_auto_invoice = "draft"
        order, milestone = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 100}, price=420.42
        )
        with self._patch_failure(order), mute_logger(SALE_ORDER_LOGGER):
            self.assertEqual(self._run_cron(), (1, 0))
        messages = order.message_ids
        self.assertEqual(self._run_cron(), (0, 0))
        self.assertEqual(order.message_ids, messages)
        with freeze_time(fields.Date.today() + timedelta(days=1)):
            self.assertEqual(self._run_cron(), (1, 0))
        self.assertEqual(order.invoice_ids.amount_untaxed, 420.42)
        self.assertEqual(milestone.status, "processed")

    def test_expired_holds_are_released_and_invoiced(self):
        self.company.billing_milestone_auto_invoice = "draft"
        today = fields.Date.today()
        order, (expired, held) = self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 25},
            {"kind": "days", "days": 0, "percent": 75},
            price=640.0,
        )
        expired._put_on_hold("Waiting for the purchase order", today - timedelta(1))
        held._put_on_hold("Disputed", today + timedelta(days=1))
        self.env(user=api.SUPERUSER_ID)[
            "sale.billing.milestone"
        ]._cron_billing_housekeeping()
        self._run_cron()
        self.assertEqual(expired.status, "processed")
        self.assertEqual(expired.release_reason, "release date reached")
        self.assertEqual(held.status, "hold")
        self.assertEqual(order.invoice_ids.amount_untaxed, 160.0)


@tagged("-standard", "concurrency", "post_install", "-at_install")
class TestAutoInvoicingRace(CommittedOrdersCase):
    def setUp(self):
        super().setUp()
        self._commit_orders(900.0, 600.0, auto_invoice="draft")

    def test_cron_skips_the_milestones_another_transaction_is_invoicing(self):
        with self.registry.cursor() as first_cr:
            locked, __ = self._orders(first_cr)
            milestones = locked._get_billable_milestones(fields.Date.today())
            self.assertEqual(milestones._lock_for_invoicing(), milestones)
            with self.registry.cursor() as cron_cr:
                locked, free = self._orders(cron_cr)
                locked.env["sale.order"]._cron_invoice_billing_milestones()
                self.assertEqual(free.invoice_ids.amount_untaxed, 600.0)
                self.assertEqual(free.billing_milestone_ids.status, "processed")
                self.assertFalse(locked.invoice_ids)
                self.assertEqual(locked.billing_milestone_ids.status, "to_process")
                self.assertFalse(locked.billing_auto_invoice_failed_date)
                # The job committed each order it invoiced: the test's cleanup
                # removes them.
                cron_cr.rollback()
            first_cr.rollback()

    def test_an_order_of_the_batch_is_its_users_once_invoiced(self):
        """The job commits each order: a user writing to the first one does not
        wait for the rest of the batch."""
        order_class = self.registry["sale.order"]
        invoice_order = order_class._auto_invoice_billing_milestones
        written = []

        def invoice_then_write(orders, *args, **kwargs):
            if orders.id == self.committed["orders"][1]:
                # The job is on the second order: the first one's rows are free.
                with self.registry.cursor() as user_cr:
                    user_cr.execute("SET LOCAL lock_timeout = '1s'")
                    first = self._orders(user_cr)[0]
                    first.client_order_ref = "PO 4711"
                    first.flush_recordset()
                    written.append(first.invoice_ids.amount_untaxed)
            return invoice_order(orders, *args, **kwargs)

        with (
            patch.object(
                order_class, "_auto_invoice_billing_milestones", invoice_then_write
            ),
            # The job as the scheduler runs it, committing, not as in a test.
            patch.object(threading.current_thread(), "testing", False),
            self.registry.cursor() as cron_cr,
        ):
            self._orders(cron_cr).env["sale.order"]._cron_invoice_billing_milestones()
        self.assertEqual(written, [900.0])
        with self.registry.cursor() as cr:
            first, second = self._orders(cr)
            self.assertEqual(first.client_order_ref, "PO 4711")
            self.assertEqual(second.invoice_ids.amount_untaxed, 600.0)

    def test_cron_leaves_an_order_invoiced_since_it_began_to_its_invoicer(self):
        with self.registry.cursor() as cron_cr:
            invoiced, other = self._orders(cron_cr)
            # The job's snapshot of the database is taken here.
            self.assertEqual(invoiced.billing_milestone_ids.status, "to_process")
            with self.registry.cursor() as user_cr:
                by_user = self._orders(user_cr)[0]._create_invoices()
                self.assertEqual(by_user.amount_untaxed, 900.0)
            messages = invoiced.message_ids
            # PostgreSQL refuses the job's lock on the milestones billed since.
            with mute_logger("odoo.sql_db"):
                invoiced.env["sale.order"]._cron_invoice_billing_milestones()
            self.assertEqual(other.invoice_ids.amount_untaxed, 600.0)
            self.assertFalse(invoiced.invoice_ids)
            self.assertFalse(invoiced.billing_auto_invoice_failed_date)
            self.assertEqual(invoiced.message_ids, messages)
            cron_cr.rollback()

        with self.registry.cursor() as cr:
            invoiced = self._orders(cr)[0]
            self.assertEqual(len(invoiced.invoice_ids), 1)
            self.assertEqual(invoiced.billing_milestone_ids.status, "processed")
