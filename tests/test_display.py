# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.misc import format_date

from .common import LedgerCase


@tagged("post_install", "-at_install")
class TestDisplay(LedgerCase):
    """What the screens, the portal and the PDF say."""

    def test_effective_percent_shows_what_the_amount_is(self):
        order, m1, m2 = self._order()
        self._invoice(order)
        order.order_line.price_unit = 2000
        # M1 keeps the 300 it was billed for; M2 takes the remainder.
        self.assertEqual((m1.amount, m2.amount), (300.0, 1700.0))
        self.assertEqual((m1.percent, m2.percent), (30.0, 70.0))
        self.assertEqual((m1.effective_percent, m2.effective_percent), (15.0, 85.0))

    def test_percents_are_not_summed_in_groups(self):
        self._order()
        groups = self.env["sale.billing.milestone"].read_group(
            [], ["percent", "amount"], ["status"]
        )
        self.assertTrue(groups)
        self.assertFalse(any("percent" in group for group in groups))
        self.assertTrue(all("amount" in group for group in groups))

    def test_customer_reads_upcoming_invoiced_and_paid(self):
        order, m1, m2 = self._order()
        self.assertEqual(
            (m1.customer_status, m2.customer_status), ("upcoming", "upcoming")
        )
        invoice = self._invoice(order)
        # A draft is not the customer's invoice yet.
        self.assertEqual(m1.customer_status, "upcoming")
        invoice.action_post()
        self.assertEqual(m1.customer_status, "invoiced")
        self._pay(invoice)
        self.assertEqual(m1.customer_status, "paid")

    def test_customer_reads_when_each_kind_is_billed(self):
        order = self._create_order()
        m1, m2, m3, m4 = self._add_milestones(
            order.order_line,
            {"kind": "days", "days": 0, "percent": 10},
            {"kind": "days", "days": 30, "percent": 10},
            {"kind": "date", "date": "2026-05-01", "percent": 10},
            {
                "kind": "manual",
                "percent": 10,
                "description": "Go-live",
                "latest_kind": "days",
                "latest_days": 60,
            },
        )
        self.assertEqual(
            [m.customer_trigger for m in (m1, m2, m3, m4)],
            [
                "At signature",
                "30 days after signature",
                "On 05/01/2026",
                "When Go-live is reached, or 60 days after signature at the latest",
            ],
        )

    def test_customer_reads_a_date_once(self):
        order = self._create_order()
        on_date, latest = self._add_milestones(
            order.order_line,
            {"kind": "date", "date": "2026-12-20", "percent": 50},
            {
                "kind": "manual",
                "percent": 50,
                "description": "Go-live",
                "latest_kind": "date",
                "latest_date": "2027-01-15",
            },
        )
        self.assertEqual(on_date.customer_trigger, "On 12/20/2026")
        self.assertEqual(on_date._get_customer_trigger_date(), date(2026, 12, 20))
        self.assertEqual(latest._get_customer_trigger_date(), date(2027, 1, 15))
        # Reached before its latest date, it is billable on another day.
        latest.write({"is_reached": True, "reached_date": "2026-11-02"})
        self.assertNotEqual(latest.billable_date, latest._get_customer_trigger_date())

    def test_customer_reads_a_deemed_acceptance_as_done(self):
        __, milestone = self._go_live_awaiting_acceptance()
        self.assertEqual(
            milestone.customer_trigger, "When Go-live is reached and you accept it"
        )
        deemed_on = self._deem_accepted()
        self.assertTrue(milestone.acceptance_deemed)
        self.assertEqual(
            milestone.customer_trigger,
            "Go-live was reached and deemed accepted on %s, as no answer came in "
            "time" % format_date(self.env, deemed_on),
        )
        self.assertEqual(milestone._get_customer_trigger_date(), deemed_on)
        self.assertEqual(milestone.billable_date, deemed_on)

    def test_milestones_are_named_in_schedule_order(self):
        order = self._create_order()
        self.env["sale.billing.milestone"].create(
            [
                {
                    "sale_line_id": order.order_line.id,
                    "name": name,
                    "sequence": sequence,
                    "kind": "days",
                    "percent": 25,
                }
                for name, sequence in (("M1", 1), ("M4", 4), ("M2", 2), ("M3", 3))
            ]
        )
        order.action_confirm()
        milestones = order.billing_milestone_ids
        self._invoice(order)
        # As a user selects them in a list sorted otherwise, say by creation.
        by_creation = milestones.browse(sorted(milestones.ids))
        self.assertEqual(by_creation.mapped("name"), ["M1", "M4", "M2", "M3"])
        with self.assertRaisesRule(
            UserError, r"^Milestone M1, M2, M3, M4 is already processed"
        ):
            by_creation.unlink()
        with self.assertRaisesRule(
            UserError,
            r"^Milestone M1, M2, M3, M4 is already processed: it cannot be put on "
            r"hold",
        ):
            by_creation._put_on_hold("Customer dispute")

    def test_scheduled_percent_warns_before_saving(self):
        order = self._create_order()
        line = order.order_line
        self._add_milestones(line, {"kind": "manual", "percent": 60})
        self.assertEqual(line.billing_scheduled_percent, 60.0)
        action = line.action_open_billing_schedule()
        self.assertEqual(action["context"]["dialog_size"], "extra-large")

    def test_nothing_to_invoice_leads_with_the_milestones(self):
        order, m1, m2 = self._order()
        self._invoice(order)
        with self.assertRaises(UserError) as caught:
            self._invoice(order)
        message = str(caught.exception)
        self.assertTrue(message.startswith("Nothing to invoice yet."), message)
        self.assertIn("M2: Not reached yet", message)
        self.assertNotIn("Prepaid/Fixed Price", message)

    def test_nothing_to_invoice_keeps_odoo_advice_for_other_lines(self):
        order, m1, m2 = self._order()
        order.order_line = [
            Command.create({"product_id": self.product_ordinary.id, "price_unit": 1})
        ]
        self._invoice(order)
        with self.assertRaises(UserError) as caught:
            self._invoice(order)
        message = str(caught.exception)
        self.assertTrue(message.startswith("Nothing to invoice yet."), message)
        self.assertIn("Cannot create an invoice", message)

    def test_empty_batch_wizard_says_nothing_is_billable(self):
        order, *__ = self._order()
        order.order_line.billing_milestone_ids.unlink()
        wizard = self.env["sale.billing.milestone.invoice"].create(
            {"order_ids": order.ids}
        )
        self.assertFalse(wizard.line_ids)
        with self.assertRaisesRule(
            UserError, r"No billing milestone is billable as of"
        ):
            wizard.action_create_invoices()

    def test_progress_shows_in_the_order_form_while_lines_are_added(self):
        order, *__ = self._order()
        self._invoice(order)
        order_form = Form(order)
        self.assertEqual(order_form.billing_progress, 30.0)
        with order_form.order_line.new() as line:
            line.product_id = self.product_scheduled
        order_form.save()
        new_line = order.order_line[-1]
        self.assertEqual(
            new_line.billing_milestone_ids.mapped("name"), ["M1", "M2", "M3"]
        )
        self.assertEqual(
            order.billing_milestone_ids, order.order_line.billing_milestone_ids
        )

    def test_new_line_shows_its_schedule_before_the_order_is_saved(self):
        order_form = Form(self.env["sale.order"])
        order_form.partner_id = self.customer
        with order_form.order_line.new() as line:
            line.product_id = self.product_scheduled
            self.assertEqual(
                line.billing_schedule_summary, "M1 30 % · M2 40 % · M3 30 %"
            )

    def test_a_long_schedule_reads_as_its_first_milestones_and_a_count(self):
        order = self._create_order()
        line = order.order_line
        self._add_milestones(line, *[{"percent": 10} for _ in range(6)])
        self.assertEqual(
            line.billing_schedule_summary,
            "M1 10 % · M2 10 % · M3 10 % · M4 10 % · M5 10 % · M6 10 %",
        )
        self.env["sale.billing.milestone"].create(
            [{"sale_line_id": line.id, "name": "M7", "percent": 10}]
        )
        self.assertEqual(
            line.billing_schedule_summary,
            "M1 10 % · M2 10 % · M3 10 % · M4 10 % · M5 10 % · 2 more",
        )

    def test_editing_the_schedule_tab_keeps_button_lock_and_amounts(self):
        order, m1, m2 = self._order()
        self._invoice(order)
        order_form = Form(order)
        self.assertEqual(order_form.billing_milestone_count, 2)
        self.assertTrue(order_form.has_processed_billing_milestone)
        m2.percent = 40
        with order_form.billing_milestone_ids.new() as row:
            row.sale_line_id = order.order_line
            row.name = "M3"
            row.kind = "manual"
            row.percent = 30
            # Counted with the line's schedule before it is saved.
            self.assertEqual(row.amount, 300.0)
        # What the form holds: the smart button and the contract date lock stay.
        self.assertEqual(order_form.billing_milestone_count, 3)
        self.assertTrue(order_form.has_processed_billing_milestone)
        order_form.save()
        self.assertEqual(
            order.billing_milestone_ids.mapped("amount"), [300.0, 400.0, 300.0]
        )

    def test_deleting_a_reopened_part_says_why_it_is_refused(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        with self.assertRaisesRule(
            UserError,
            r"^Milestone M1 cannot be deleted: it is an amount that %s put back on "
            r"the schedule to be billed again \(a Bill Again Later credit note, or "
            r"an invoice line billing less than planned\)\. To remove it, reset the "
            r"credit note to draft or correct the invoice line\.$"
            % re.escape(credit_note.name),
        ):
            part.unlink()
