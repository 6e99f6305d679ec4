# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import html

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import LedgerCase, cell_text, schedule_rows


@tagged("post_install", "-at_install")
class TestCreditIntent(LedgerCase):
    """The accountant says what a credit note means: a Final Reduction lowers
    what a milestone bills for good, Bill Again Later puts it back on the
    schedule. An order of 1,000: M1 30 % billable today, M2 70 % Manual."""

    def assertLedgerAddsUp(self, order):
        """Billed net of credit notes + open + finally credited = the net."""
        self.env.flush_all()
        line = order.order_line
        milestones = line.billing_milestone_ids
        billed = sum(
            aml.price_subtotal - aml.billing_credited_amount
            for aml in self.env["account.move.line"].search(
                [
                    ("billing_milestone_id", "in", milestones.ids),
                    ("billing_milestone_live", "=", True),
                ]
            )
        )
        credited = sum(milestones.mapped("credited_amount"))
        open_amount = sum(
            milestones.filtered(lambda m: m.status != "processed").mapped("amount")
        )
        self.assertEqual(
            round(billed - credited + open_amount + credited, 2), line.price_subtotal
        )
        self.assertEqual(
            line.billing_invoiced_amount + line.billing_credited_amount + open_amount,
            line.price_subtotal,
        )

    def test_the_reversal_wizard_asks_and_defaults_to_a_final_reduction(self):
        __, __, __, invoice = self._billed_m1()
        wizard = Form(
            self.env["account.move.reversal"].with_context(
                active_model="account.move", active_ids=invoice.ids
            )
        )
        self.assertTrue(wizard.has_billing_milestones)
        self.assertEqual(wizard.billing_credit_intent, "final")

    def test_a_goodwill_credit_reopens_nothing(self):
        order, m1, m2, invoice = self._billed_m1()
        self._credit(invoice, 100)
        self.assertFalse(m1.reopened_ids)
        self.assertEqual(
            (m1.status, m1.amount, m1.credited_amount, m1.customer_amount),
            ("processed", 300.0, 100.0, 200.0),
        )
        self.assertEqual(m2.amount, 700.0)
        line = order.order_line
        self.assertEqual(
            (
                line.billing_invoiced_amount,
                line.billing_credited_amount,
                line.billing_remaining_amount,
                line.billing_progress,
            ),
            (200.0, 100.0, 700.0, 30.0),
        )
        # Nothing new to bill: Odoo's own quantities agree.
        self.assertEqual((line.qty_invoiced, line.qty_to_invoice), (0.3, 0.0))
        self.assertEqual(order.invoice_status, "no")
        wizard = self.env["sale.billing.milestone.invoice"].create(
            {"order_ids": [Command.set(order.ids)]}
        )
        self.assertFalse(wizard.line_ids)
        self.assertLedgerAddsUp(order)

    def test_a_full_final_credit_leaves_the_milestone_credited(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice)
        self.assertBilledOnce(m1, invoice)
        self.assertEqual((m1.credited_amount, m1.customer_status), (300.0, "credited"))
        with self.assertRaisesRule(
            UserError, r"(?s)not billable now:.*M1: Already processed"
        ):
            self._invoice(order)
        self.assertLedgerAddsUp(order)

    def test_a_credit_to_bill_again_reopens_what_it_credits(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        self.assertEqual((m1.amount, m1.credited_amount), (200.0, 0.0))
        self.assertEqual(m1.reopened_ids.amount, 100.0)
        self.assertLedgerAddsUp(order)

    def test_the_intent_can_change_on_the_draft_credit_note(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._reverse(invoice)
        self.assertEqual(credit_note.billing_credit_intent, "final")
        with Form(credit_note) as form:
            form.billing_credit_intent = "rebill"
        credit_note.action_post()
        self.assertOpen(m1)
        self.assertLedgerAddsUp(order)

    def test_the_intent_of_a_posted_credit_note_cannot_change(self):
        __, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100)
        with self.assertRaisesRule(
            UserError, r"not a draft: reset it to draft .*\(Credited Milestones\)"
        ):
            credit_note.billing_credit_intent = "rebill"
        self.assertEqual(credit_note.billing_credit_intent, "final")
        self.assertFalse(m1.reopened_ids)

    def test_reverse_and_create_invoice_always_bills_again(self):
        order, m1, __, invoice = self._billed_m1()
        new_draft = self._reverse(invoice, modify=True, intent="final")
        credit_note = invoice.reversal_move_ids
        self.assertEqual(credit_note.billing_credit_intent, "rebill")
        self.assertBilledOnce(m1, new_draft)
        self.assertEqual(m1.credited_amount, 0.0)
        self.assertLedgerAddsUp(order)

    def test_reversing_a_final_credit_takes_it_back(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100)
        undo = self._reverse(credit_note)
        self.assertEqual(undo.move_type, "out_invoice")
        # A draft takes nothing back yet.
        self.assertEqual(m1.credited_amount, 100.0)
        undo.action_post()
        self.assertBilledOnce(m1, invoice)
        self.assertFalse(undo.invoice_line_ids.billing_milestone_live)
        self.assertEqual((m1.amount, m1.credited_amount), (300.0, 0.0))
        self.assertLedgerAddsUp(order)

    def test_reversing_a_partial_credit_bills_the_part_it_reopened(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        undo = self._reverse(m1.invoice_id.reversal_move_ids)
        self.assertEqual(undo.invoice_line_ids.billing_milestone_id, part)
        self.assertBilledOnce(part, undo)
        self.assertEqual(
            (m1.invoice_id, m1.amount, part.amount), (invoice, 200.0, 100.0)
        )
        self.assertLedgerAddsUp(order)

    def test_billing_a_milestone_short_reopens_the_rest(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        self._credit(invoice, 200, intent="rebill")
        self.assertOpen(m1)
        first_credit = invoice.reversal_move_ids.sorted("id")[0]
        # Reversing the first credit bills 100 of M1's 300: 200 re-open.
        undo = self._reverse(first_credit)
        self.assertBilledOnce(m1, undo)
        self.assertEqual(
            (m1.amount, m1.reopened_ids.amount, m1.reopened_ids.status),
            (100.0, 200.0, "to_process"),
        )
        self.assertEqual(order.order_line.billing_unscheduled_amount, 0.0)
        self.assertLedgerAddsUp(order)

    def test_crediting_more_than_billed_is_refused(self):
        __, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100)
        credit_note = self._reverse(invoice)
        with self.assertRaisesRule(
            ValidationError,
            r"credit notes of INV/\d+/\d+ would credit \$\xa0400\.00 of it, above "
            r"the \$\xa0300\.00 that invoice bills",
        ):
            credit_note.action_post()
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(m1.credited_amount, 100.0)


@tagged("post_install", "-at_install")
class TestWhatTheCustomerReads(LedgerCase):
    def test_a_draft_invoice_is_not_invoiced_for_the_customer(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        self.assertEqual((m1.status, m1.customer_status), ("processed", "upcoming"))
        invoice.action_post()
        self.assertEqual(m1.customer_status, "invoiced")
        self._pay(invoice)
        self.assertEqual(m1.customer_status, "paid")

    def test_the_customer_reads_the_amount_net_of_a_final_credit(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100)
        content, __ = self.env["ir.actions.report"]._render_qweb_html(
            "sale.action_report_saleorder", order.ids
        )
        rows = schedule_rows(content, "//div[@id='billing_schedule']")
        self.assertEqual([row[4] for row in rows], ["$ 200.00", "$ 700.00"])
        (total,) = html.fromstring(content).xpath(
            "//div[@id='billing_schedule']//tr[@name='billing_schedule_total']"
        )
        self.assertIn("$ 900.00", cell_text(total))

    def test_a_reopened_part_keeps_the_original_words(self):
        order, m1, __ = self._order()
        m1.description = "Kick-off"
        invoice = self._invoice(order)
        invoice.action_post()
        credit_note = self._reverse(invoice, intent="rebill")
        credit_note.invoice_line_ids.price_unit = 100
        credit_note.action_post()
        part = m1.reopened_ids
        self.assertEqual((part.name, part.description), ("M1", "Kick-off"))
        self.assertNotIn(credit_note.name, part.display_name)


@tagged("post_install", "-at_install")
class TestProgressWithoutSchedule(LedgerCase):
    def test_progress_of_a_milestone_line_without_schedule(self):
        """Sold based on milestones and invoiced the standard way: half of it
        delivered, invoiced and paid."""
        order = self._create_order(quantity=2.0, price=500.0)
        order.action_confirm()
        line = order.order_line
        line.qty_delivered = 1.0
        invoice = self._invoice(order)
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(
            (
                line.billing_invoiced_amount,
                line.billing_paid_amount,
                line.billing_remaining_amount,
                line.billing_progress,
            ),
            (500.0, 500.0, 500.0, 50.0),
        )
        self.assertEqual(
            (order.billing_invoiced_amount, order.billing_paid_amount), (500.0, 500.0)
        )
        self.assertEqual(order.billing_progress, 50.0)
