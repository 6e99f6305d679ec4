# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import api
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import BillingMilestoneCommon

HOUSEKEEPING_XMLID = "sale_milestone_billing.ir_cron_billing_milestone_housekeeping"
INVOICING_XMLID = "sale_milestone_billing.ir_cron_invoice_billing_milestones"
DAY = date(2026, 3, 10)
NEXT_DAY = date(2026, 3, 11)


@tagged("post_install", "-at_install")
class TestCalendar(BillingMilestoneCommon):
    """What turns with the calendar is recorded by the housekeeping job: the
    stored state (and Odoo's own views of it) follows once it has run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Whatever the database's companies say: the default, Off.
        cls.env["res.company"].sudo().search([]).billing_milestone_auto_invoice = "off"

    def _run_job(self, xmlid, batch_size=None):
        """One call of a job as the scheduler makes it: as its user, with a
        progress record. Return the progress it reports."""
        cron = self.env.ref(xmlid)
        cron, progress = cron.with_user(cron.user_id)._add_progress()
        if batch_size is None:
            cron._callback(cron.cron_name, cron.ir_actions_server_id.id)
        else:
            model = cron.env[cron.model_id.model]
            method = xmlid.endswith("housekeeping") and "_cron_billing_housekeeping"
            getattr(model, method or "_cron_invoice_billing_milestones")(
                batch_size=batch_size
            )
        return progress.done, progress.remaining

    def _settle_jobs(self):
        """Run both jobs on ``NEXT_DAY`` until nothing remains, so that what
        other records (demo data, say) leave to do is done before a test counts
        what the jobs do with its own."""
        with freeze_time(f"{NEXT_DAY} 00:05:00"):
            for xmlid in (HOUSEKEEPING_XMLID, INVOICING_XMLID):
                while self._run_job(xmlid)[1]:
                    pass

    def _order_with_second(self, second, hold_until=None):
        """An order of the contract date ``DAY``, one line of 1,000: a Days
        milestone of 0 days for 50 %, invoiced, and ``second`` for 50 %, held
        until ``hold_until`` when given."""
        order = self._create_order(contract_date=DAY)
        first, later = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 50.0},
            {"percent": 50.0, **second},
        )
        order.action_confirm()
        if hold_until:
            later._put_on_hold("Waiting for the purchase order", hold_until)
        invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, first)
        return order, later

    def _orders_to_invoice(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale.action_orders_to_invoice"
        )
        return self.env["sale.order"].search(safe_eval(action["domain"]))

    def assertOrderState(self, order, delivered, to_invoice, invoice_status):
        """The order as Odoo's own views read it, from the database."""
        self.env.invalidate_all()
        line = order.order_line
        self.assertEqual(
            (line.qty_delivered, line.qty_to_invoice, line.invoice_status),
            (delivered, to_invoice, invoice_status),
        )
        self.assertEqual(order.invoice_status, invoice_status)
        self.assertEqual(
            order in self._orders_to_invoice(), invoice_status == "to invoice"
        )

    def _assert_billable_overnight(self, order, milestone):
        """Nothing to invoice on ``DAY``; still so the next day until the
        housekeeping job runs (the stored state is the day before's); to
        invoice once it has."""
        self.assertOrderState(order, 0.5, 0.0, "no")
        self.assertFalse(milestone.is_billable_now)
        with freeze_time(f"{NEXT_DAY} 00:05:00"):
            self.assertOrderState(order, 0.5, 0.0, "no")
            self.assertFalse(milestone.is_billable_now)
            self._run_job(HOUSEKEEPING_XMLID)
            self.assertOrderState(order, 1.0, 0.5, "to invoice")
            self.assertTrue(milestone.is_billable_now)
            self.assertFalse(milestone.billable_reason)
            self.assertEqual(len(order.invoice_ids), 1)
            invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, milestone)
        self.assertEqual(invoice.amount_untaxed, 500.0)
        self.assertOrderState(order, 1.0, 0.0, "invoiced")

    @freeze_time(f"{DAY} 10:00:00")
    def test_days_milestone_is_to_invoice_the_day_it_comes(self):
        order, milestone = self._order_with_second({"kind": "days", "days": 1})
        self.assertEqual(milestone.billable_reason, "Not due until 03/11/2026")
        self._assert_billable_overnight(order, milestone)

    @freeze_time(f"{DAY} 10:00:00")
    def test_date_milestone_is_to_invoice_the_day_it_comes(self):
        order, milestone = self._order_with_second({"kind": "date", "date": NEXT_DAY})
        self._assert_billable_overnight(order, milestone)

    @freeze_time(f"{DAY} 10:00:00")
    def test_at_the_latest_days_is_to_invoice_the_day_it_comes(self):
        order, milestone = self._order_with_second(
            {"kind": "manual", "latest_kind": "days", "latest_days": 1}
        )
        self._assert_billable_overnight(order, milestone)

    @freeze_time(f"{DAY} 10:00:00")
    def test_at_the_latest_date_is_to_invoice_the_day_it_comes(self):
        order, milestone = self._order_with_second(
            {"kind": "manual", "latest_kind": "date", "latest_date": NEXT_DAY}
        )
        self._assert_billable_overnight(order, milestone)

    @freeze_time(f"{DAY} 10:00:00")
    def test_hold_released_on_its_date_is_to_invoice(self):
        order, milestone = self._order_with_second(
            {"kind": "days", "days": 0}, hold_until=NEXT_DAY
        )
        self.assertEqual(milestone.billable_reason, "On hold")
        self._assert_billable_overnight(order, milestone)
        self.assertEqual(milestone.release_reason, "release date reached")

    @freeze_time(f"{DAY} 10:00:00")
    def test_deemed_acceptance_is_to_invoice_the_day_it_comes(self):
        order, milestone = self._order_with_second(
            {"kind": "manual", "requires_acceptance": True, "acceptance_days": 1}
        )
        milestone.action_reach()
        self.assertEqual(milestone.acceptance_state, "requested")
        self._assert_billable_overnight(order, milestone)
        self.assertTrue(milestone.acceptance_deemed)

    @freeze_time(f"{DAY} 10:00:00")
    def test_housekeeping_invoices_nothing_and_triggers_the_invoicing_job(self):
        self.env.company.billing_milestone_auto_invoice = "draft"
        self._settle_jobs()
        order, milestone = self._order_with_second({"kind": "days", "days": 1})
        invoicing = self.env.ref(INVOICING_XMLID)
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", invoicing.id)])
        with freeze_time(f"{NEXT_DAY} 00:05:00"):
            self.assertEqual(self._run_job(HOUSEKEEPING_XMLID), (1, 0))
            self.assertEqual(len(order.invoice_ids), 1)
            self.assertEqual(milestone.status, "to_process")
            self.assertTrue(
                self.env["ir.cron.trigger"].search(
                    [("cron_id", "=", invoicing.id), ("id", "not in", triggers.ids)]
                )
            )
            self.assertEqual(self._run_job(INVOICING_XMLID), (1, 0))
        self.assertEqual(milestone.status, "processed")
        self.assertOrderState(order, 1.0, 0.0, "invoiced")

    @freeze_time(f"{DAY} 10:00:00")
    def test_invoicing_job_bills_what_housekeeping_recorded(self):
        self.env.company.billing_milestone_auto_invoice = "draft"
        self._settle_jobs()
        order, milestone = self._order_with_second({"kind": "days", "days": 1})
        with freeze_time(f"{NEXT_DAY} 00:05:00"):
            # Not due for Odoo's views yet: not for the invoicing job either.
            self.assertEqual(self._run_job(INVOICING_XMLID), (0, 0))
            self.assertEqual(milestone.status, "to_process")
            self._run_job(HOUSEKEEPING_XMLID)
            self.assertEqual(self._run_job(INVOICING_XMLID), (1, 0))
        self.assertEqual(milestone.status, "processed")

    @freeze_time(f"{DAY} 10:00:00")
    def test_both_jobs_work_in_batches_and_report_progress(self):
        self.env.company.billing_milestone_auto_invoice = "draft"
        self._settle_jobs()
        orders = [
            self._order_with_second({"kind": "days", "days": 1})[0] for __ in range(3)
        ]
        with freeze_time(f"{NEXT_DAY} 00:05:00"):
            self.assertEqual(self._run_job(HOUSEKEEPING_XMLID, batch_size=2), (2, 1))
            self.assertEqual(
                [order.invoice_status for order in orders],
                ["to invoice", "to invoice", "no"],
            )
            self.assertEqual(self._run_job(HOUSEKEEPING_XMLID, batch_size=2), (1, 0))
            self.assertEqual(self._run_job(HOUSEKEEPING_XMLID, batch_size=2), (0, 0))
            Order = self.env["sale.order"]
            searches = []
            search = type(Order).search

            def counting_search(records, domain, *args, **kwargs):
                if records._name == "sale.order":
                    searches.append(kwargs.get("limit"))
                return search(records, domain, *args, **kwargs)

            for remaining in (2, 1, 0):
                searches.clear()
                with patch.object(type(Order), "search", counting_search):
                    self.assertEqual(
                        self._run_job(INVOICING_XMLID, batch_size=1), (1, remaining)
                    )
                # One batch searched, the others only counted.
                self.assertEqual(searches, [1])
        self.assertEqual([order.invoice_status for order in orders], ["invoiced"] * 3)

    @freeze_time(f"{DAY} 10:00:00")
    def test_billable_now_search_and_domain_and_reason_agree(self):
        order = self._create_order(contract_date=DAY)
        milestones = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 1, "percent": 10},
            {"kind": "date", "date": NEXT_DAY, "percent": 10},
            {"kind": "manual", "percent": 10, "is_reached": True},
            {"kind": "manual", "percent": 10},
            {
                "kind": "manual",
                "percent": 10,
                "latest_kind": "date",
                "latest_date": DAY,
            },
        )
        order.action_confirm()
        Milestone = self.env["sale.billing.milestone"]
        mine = [("id", "in", milestones.ids)]
        billable = Milestone.search([*mine, *Milestone._get_billable_domain()])
        self.assertEqual(billable.mapped("name"), ["M1", "M4", "M6"])
        self.assertEqual(
            Milestone.search([*mine, ("is_billable_now", "=", True)]), billable
        )
        others = Milestone.search([*mine, "!", *Milestone._get_billable_domain()])
        self.assertEqual(others, milestones - billable)
        self.assertEqual(
            Milestone.search([*mine, ("is_billable_now", "=", False)]), others
        )
        self.assertEqual(
            others.mapped("billable_reason"),
            ["Not due until 03/11/2026", "Not due until 03/11/2026", "Not reached yet"],
        )
        self.assertFalse(any(billable.mapped("billable_reason")))
        # The batch wizard's "As of" date reads the billable dates themselves.
        self.assertEqual(
            Milestone.search([*mine, *Milestone._get_billable_domain(NEXT_DAY)]),
            milestones - milestones[4],
        )

    @freeze_time(f"{DAY} 10:00:00")
    def test_job_runs_as_odoobot(self):
        cron = self.env.ref(HOUSEKEEPING_XMLID)
        self.assertEqual(cron.user_id, self.env(user=api.SUPERUSER_ID).user)
        self.assertEqual(cron.model_id.model, "sale.billing.milestone")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertTrue(cron.active)

    @freeze_time(f"{DAY} 10:00:00")
    def test_a_retention_released_on_a_date_is_to_invoice_after_the_job(self):
        self._settle_jobs()
        order = self._create_order(contract_date=DAY)
        order.order_line.billing_retention_percent = 10
        build, release = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 100.0},
            {"kind": "date", "date": NEXT_DAY, "is_retention_release": True},
        )
        order.action_confirm()
        order._create_invoices().action_post()
        self.assertEqual(build.status, "processed")
        self.assertOrderState(order, 1.0, 0.0, "invoiced")
        with freeze_time(f"{NEXT_DAY} 00:05:00"):
            # The stored state is the day before's until the job records it.
            self.assertOrderState(order, 1.0, 0.0, "invoiced")
            self._run_job(HOUSEKEEPING_XMLID)
            self.assertTrue(release.is_billable_now)
            self.assertOrderState(order, 1.0, 0.0, "to invoice")
            invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.billing_milestone_id, release)
        self.assertEqual(invoice.amount_untaxed, 100.0)
        self.assertOrderState(order, 1.0, 0.0, "invoiced")
