# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LedgerCase


@tagged("post_install", "-at_install")
class TestPartialCreditReopens(LedgerCase):
    """A credit note that gives back part of a milestone's invoice line re-opens
    exactly that part: an order of 1,000, M1 30 % billable today, M2 70 %
    Manual."""

    def assertScheduleAddsUp(self, order):
        line = order.order_line
        self.assertEqual(sum(line.billing_milestone_ids.mapped("amount")), 1000.0)

    def test_partial_credit_reopens_the_credited_part(self):
        order, m1, m2, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        self.assertEqual(len(part), 1)
        self.assertEqual(part.reopened_by_line_id, credit_note.invoice_line_ids)
        self.assertEqual(
            (part.name, part.kind, part.amount, part.status),
            ("M1", "days", 100, "to_process"),
        )
        self.assertTrue(part.is_billable_now)
        # The customer reads the original's words, not the accounting's.
        self.assertEqual(part.description, m1.description)
        # M1 stays billed, for what its invoice bills net of the credit note.
        self.assertEqual((m1.status, m1.amount), ("processed", 200.0))
        self.assertEqual(m2.amount, 700.0)
        self.assertScheduleAddsUp(order)
        self.assertEqual(order.order_line.billing_invoiced_amount, 200.0)

    def test_reopened_part_is_billed_again_once(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        again = self._invoice(order)
        self.assertEqual(again.invoice_line_ids.billing_milestone_id, part)
        self.assertEqual(again.amount_untaxed, 100.0)
        self.assertBilledOnce(part, again)
        self.assertEqual(order.order_line.billing_invoiced_amount, 300.0)
        with self.assertRaisesRule(UserError, r"not billable now"):
            self._invoice(order)
        self.assertScheduleAddsUp(order)

    def test_resetting_the_credit_note_closes_the_part(self):
        __, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100, intent="rebill")
        credit_note.button_draft()
        self.assertFalse(m1.reopened_ids.exists())
        self.assertEqual((m1.status, m1.amount), ("processed", 300.0))

    def test_undoing_a_credit_billed_again_is_refused(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100, intent="rebill")
        again = self._invoice(order)
        with self.assertRaisesRule(
            UserError,
            r"M1: \$\xa0100\.00 of it, given back by RINV/\d+/\d+, is billed "
            r"again by a draft",
        ):
            credit_note.button_draft()
        self.assertEqual(credit_note.state, "posted")
        self.assertBilledOnce(m1.reopened_ids, again)
        self.assertEqual(m1.amount, 200.0)

    def test_full_credit_after_a_partial_one_reopens_the_rest(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        self._invoice(order).action_post()
        self._credit(invoice, 200, intent="rebill")
        # The original re-opens without the part billed meanwhile.
        self.assertOpen(m1)
        self.assertEqual(m1.amount, 200.0)
        self.assertEqual((part.status, part.amount), ("processed", 100.0))
        self.assertScheduleAddsUp(order)
        self.assertEqual(self._invoice(order).amount_untaxed, 200.0)
        self.assertEqual(order.order_line.billing_invoiced_amount, 300.0)

    def test_full_credit_after_a_partial_one_drops_the_open_part(self):
        __, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        self._credit(invoice, 200, intent="rebill")
        self.assertFalse(m1.reopened_ids)
        self.assertOpen(m1)
        self.assertEqual(m1.amount, 300.0)

    def test_a_part_freed_while_its_original_is_open_goes_back_into_it(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        again = self._invoice(order)
        self._credit(invoice, 200, intent="rebill")
        self.assertOpen(m1)
        self.assertEqual(m1.amount, 200.0)
        again.button_cancel()
        self.assertFalse(part.exists())
        self.assertEqual(m1.amount, 300.0)
        self.assertScheduleAddsUp(order)

    def test_a_part_freed_once_its_original_is_billed_again_stays_open(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        again = self._invoice(order)
        self._credit(invoice, 200, intent="rebill")
        third = self._invoice(order)
        self.assertBilledOnce(m1, third)
        # The part's invoice goes: M1's new invoice never billed it.
        again.button_cancel()
        self.assertEqual(
            (part.exists(), part.status, part.amount), (part, "to_process", 100)
        )
        self.assertEqual(m1.amount, 200.0)
        self.assertScheduleAddsUp(order)

    def test_credit_of_a_reopened_part_reopens_a_part_of_it(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        part = m1.reopened_ids
        again = self._invoice(order)
        again.action_post()
        self._credit(again, 40, intent="rebill")
        self.assertEqual(part.amount, 60.0)
        self.assertEqual(part.reopened_ids.amount, 40.0)
        self.assertEqual(m1.amount, 200.0)
        self.assertScheduleAddsUp(order)

    def test_accountant_without_sales_rights_credits(self):
        __, m1, __, invoice = self._billed_m1()
        accountant = new_test_user(
            self.env, "smb_reopen_accountant", groups="account.group_account_invoice"
        )
        credit_note = self._reverse(invoice.with_user(accountant), intent="rebill")
        credit_note.invoice_line_ids.price_unit = 100
        credit_note.with_user(accountant).action_post()
        self.assertEqual(m1.reopened_ids.amount, 100.0)

    def test_a_part_is_not_made_by_hand(self):
        order, m1, __, invoice = self._billed_m1()
        self._credit(invoice, 100, intent="rebill")
        draft_credit_note = self._reverse(invoice)
        values = {
            "sale_line_id": order.order_line.id,
            "name": "M9",
            "kind": "days",
            "fixed_amount": 50,
            "reopened_from_id": m1.id,
            "reopened_by_line_id": draft_credit_note.invoice_line_ids.id,
        }
        Milestone = self.env["sale.billing.milestone"]
        with self.assertRaisesRule(
            UserError, r"Re-opened By, Re-opened From cannot be written"
        ):
            Milestone.create(values)
        # Not even code running as superuser makes a part the ledger does not want.
        with self.assertRaisesRule(ValidationError, r"the ledger makes it, not a user"):
            Milestone.sudo().create(values)
        part = m1.reopened_ids
        with self.assertRaisesRule(ValidationError, r"the ledger makes it, not a user"):
            part.fixed_amount = 50
        with self.assertRaisesRule(UserError, r"Re-opened From .* cannot be written"):
            part.reopened_from_id = False
        with self.assertRaisesRule(UserError, r"reset the credit note to draft"):
            part.unlink()
        self.assertEqual(m1.reopened_ids.amount, 100.0)
