# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LedgerCase


@tagged("post_install", "-at_install")
class TestCorrectionPaths(LedgerCase):
    """One test per way Odoo 18 lets an accountant correct an invoice."""

    def test_cancel_reopens_the_milestone(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.button_cancel()
        self.assertOpen(m1)
        self.assertBilledOnce(m1, self._invoice(order))

    def test_reset_to_draft_and_post_again_keeps_one_invoice(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        invoice.button_draft()
        self.assertBilledOnce(m1, invoice)
        invoice.action_post()
        self.assertBilledOnce(m1, invoice)
        with self.assertRaisesRule(
            UserError, r"(?s)not billable now:.*M1: Already processed"
        ):
            self._invoice(order)

    def test_deleting_a_draft_reopens_the_milestone(self):
        order, m1, __ = self._order()
        self._invoice(order).unlink()
        self.assertOpen(m1)

    def test_deleting_a_draft_that_billed_short_takes_its_part_back(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        invoice.button_draft()
        invoice.invoice_line_ids.price_unit = 150.0
        self.assertEqual(m1.reopened_ids.amount, 150.0)
        invoice.unlink()
        self.assertOpen(m1)
        self.assertFalse(m1.reopened_ids)
        self.assertEqual(m1.amount, 300.0)

    def test_full_credit_note_to_bill_again_reopens_the_milestone(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        credit_note = self._reverse(invoice, intent="rebill")
        self.assertEqual(credit_note.invoice_line_ids.billing_milestone_id, m1)
        # A draft credit note gives nothing back yet.
        self.assertBilledOnce(m1, invoice)
        credit_note.action_post()
        self.assertOpen(m1)
        self.assertBilledOnce(m1, self._invoice(order))

    def test_partial_credit_note_keeps_the_milestone_billed(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        credit_note = self._reverse(invoice, intent="rebill")
        credit_note.invoice_line_ids.price_unit = 100
        credit_note.action_post()
        self.env.flush_all()
        self.assertEqual(self._live_lines(m1).move_id, invoice)
        self.assertEqual(m1.status, "processed")
        self.assertEqual(invoice.invoice_line_ids.billing_credited_amount, 100.0)
        # What the invoice bills net of the credit note; the rest is re-opened.
        self.assertEqual(m1.amount, 200.0)
        self.assertEqual(m1.reopened_ids.amount, 100.0)

    def test_full_refund_and_new_draft_bills_the_milestone_once(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        new_draft = self._reverse(invoice, modify=True)
        self.assertEqual(new_draft.move_type, "out_invoice")
        self.assertBilledOnce(m1, new_draft)
        new_draft.action_post()
        self.assertBilledOnce(m1, new_draft)
        with self.assertRaisesRule(
            UserError, r"(?s)not billable now:.*M1: Already processed"
        ):
            self._invoice(order)
        self.assertEqual(order.order_line.qty_invoiced, 0.3)

    def test_credit_note_of_a_credit_note_bills_the_milestone_again(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        credit_note = self._reverse(invoice, intent="rebill")
        credit_note.action_post()
        self.assertOpen(m1)
        rebill = self._reverse(credit_note)
        self.assertEqual(rebill.move_type, "out_invoice")
        self.assertBilledOnce(m1, rebill)

    def test_credit_note_of_a_credit_note_is_refused_once_billed_again(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, intent="rebill")
        again = self._invoice(order)
        with self.assertRaisesRule(ValidationError, r"M1 would be billed twice"):
            self._reverse(credit_note)
        self.assertBilledOnce(m1, again)

    def test_resetting_a_credit_note_once_billed_again_is_refused(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, intent="rebill")
        again = self._invoice(order)
        with self.assertRaisesRule(ValidationError, r"M1 would be billed twice"):
            credit_note.button_draft()
        self.assertEqual(credit_note.state, "posted")
        self.assertBilledOnce(m1, again)

    def test_duplicate_does_not_bill_the_milestone(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        action = invoice.action_duplicate()
        copy = self.env["account.move"].browse(action["res_id"])
        self.assertFalse(copy.invoice_line_ids.billing_milestone_id)
        copy.action_post()
        self.assertBilledOnce(m1, invoice)

    def test_payment_registered_then_unreconciled_keeps_the_milestone(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        self._pay(invoice)
        self.assertIn(m1.invoice_payment_state, ("paid", "in_payment"))
        partial = invoice.line_ids.matched_credit_ids
        invoice.js_remove_outstanding_partial(partial.id)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertBilledOnce(m1, invoice)

    def test_resequenced_invoice_keeps_the_milestone(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.action_post()
        wizard = (
            self.env["account.resequence.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"first_name": invoice.name[:-5] + "00042"})
        )
        wizard.resequence()
        self.assertTrue(invoice.name.endswith("00042"))
        self.assertBilledOnce(m1, invoice)


@tagged("post_install", "-at_install")
class TestDerivedFields(LedgerCase):
    """Status, amount and invoice follow the invoices; nobody writes them."""

    def _import(self, milestone, field, value):
        """Update ``field`` of ``milestone`` as a CSV import does."""
        with mute_logger("odoo.sql_db"):
            return milestone.load([".id", field], [[str(milestone.id), value]])

    def test_the_ledger_facts_of_an_invoice_line_are_not_written(self):
        order, m1, __ = self._order()
        line = self._invoice(order).invoice_line_ids
        accountant = new_test_user(
            self.env, "smb_ledger_accountant", groups="account.group_account_invoice"
        )
        for name, value in (
            ("billing_planned_amount", 900.0),
            ("billing_credited_amount", 100.0),
            ("billing_final_credit_amount", 100.0),
            ("billing_milestone_live", False),
        ):
            label = line._fields[name]._description_string(self.env)
            with (
                self.subTest(field=name),
                self.assertRaisesRule(
                    UserError,
                    rf"{label} of an invoice line follow .* cannot be written",
                ),
            ):
                line.with_user(accountant).write({name: value})
        self.assertFalse(m1.reopened_ids)
        self.assertBilledOnce(m1, line.move_id)

    def test_a_planned_amount_given_with_a_new_line_is_the_milestones(self):
        """A forged planned amount would re-open money the line bills."""
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        invoice.invoice_line_ids.unlink()
        invoice.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_milestone.id,
                            "price_unit": 300.0,
                            "billing_milestone_id": m1.id,
                            "billing_planned_amount": 900.0,
                        }
                    )
                ]
            }
        )
        self.assertEqual(invoice.invoice_line_ids.billing_planned_amount, 300.0)
        self.assertFalse(m1.reopened_ids)

    def test_writing_processed_on_a_milestone_without_invoice_is_refused(self):
        order, m1, __ = self._order()
        with self.assertRaisesRule(UserError, r'"M1": Status cannot be written'):
            m1.write({"status": "processed"})
        self.assertOpen(m1)
        self.assertEqual(order.order_line.qty_invoiced, 0.0)

    def test_writing_to_process_on_an_invoiced_milestone_is_refused(self):
        order, m1, __ = self._order()
        invoice = self._invoice(order)
        with self.assertRaisesRule(UserError, r'"M1": Status cannot be written'):
            m1.write({"status": "to_process"})
        self.assertBilledOnce(m1, invoice)
        with self.assertRaisesRule(
            UserError, r"(?s)not billable now:.*M1: Already processed"
        ):
            self._invoice(order)

    def test_writing_the_amount_of_a_processed_milestone_is_refused(self):
        order, m1, m2 = self._order()
        self._invoice(order)
        with self.assertRaisesRule(UserError, r'"M1": Amount cannot be written'):
            m1.write({"amount": 1.0})
        self.assertEqual((m1.amount, m2.amount), (300.0, 700.0))

    def test_writing_the_invoice_is_refused(self):
        order, m1, __ = self._order()
        other = self._invoice(self._order()[0])
        with self.assertRaisesRule(UserError, r'"M1": Invoice cannot be written'):
            m1.write({"invoice_id": other.id})
        self.assertOpen(m1)

    def test_writing_what_the_milestone_already_has_is_accepted(self):
        order, m1, __ = self._order()
        m1.write({"status": "to_process", "amount": 300.0, "description": "Start"})
        self.assertEqual(m1.description, "Start")

    def test_csv_import_of_a_status_changes_nothing(self):
        order, m1, __ = self._order()
        result = self._import(m1, "status", "processed")
        self.assertFalse(result["ids"])
        self.assertRegex(result["messages"][0]["message"], r"Status cannot be written")
        self.assertOpen(m1)

    def test_csv_import_of_an_amount_changes_nothing(self):
        order, m1, m2 = self._order()
        self._invoice(order)
        result = self._import(m1, "amount", "1.00")
        self.assertFalse(result["ids"])
        self.assertRegex(result["messages"][0]["message"], r"Amount cannot be written")
        self.assertEqual((m1.amount, m2.amount), (300.0, 700.0))

    def test_creating_a_processed_milestone_is_refused(self):
        order, __, m2 = self._order()
        m2.unlink()
        with self.assertRaisesRule(UserError, r'"M3": Status cannot be written'):
            self.env["sale.billing.milestone"].create(
                {
                    "sale_line_id": order.order_line.id,
                    "name": "M3",
                    "percent": 10,
                    "status": "processed",
                }
            )

    def test_changing_the_milestone_of_an_invoice_line_is_refused(self):
        order, m1, m2 = self._order()
        line = self._invoice(order).invoice_line_ids
        with self.assertRaisesRule(UserError, r"Billing Milestone of an invoice line"):
            line.write({"billing_milestone_id": m2.id})
        self.assertEqual(line.billing_milestone_id, m1)

    def test_lowering_a_draft_invoice_line_reopens_the_rest_of_its_milestone(self):
        order, m1, m2 = self._order()
        invoice = self._invoice(order)
        with Form(invoice) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit = 250.0
        self.assertBilledOnce(m1, invoice)
        part = m1.reopened_ids
        self.assertEqual(
            (m1.amount, part.amount, m2.amount, part.kind, part.status),
            (250.0, 50.0, 700.0, "days", "to_process"),
        )
        self.assertEqual(part.reopened_by_line_id, invoice.invoice_line_ids)
        self.assertEqual(order.order_line.billing_unscheduled_amount, 0.0)
        # Raised again, the line bills what M1 stands for: nothing is left open.
        with Form(invoice) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit = 300.0
        self.assertFalse(m1.reopened_ids)
        self.assertEqual((m1.amount, m2.amount), (300.0, 700.0))

    def test_invoice_line_above_the_net_amount_is_refused(self):
        order, __, m2 = self._order()
        m2.action_reach()
        invoice = self._invoice(order)
        with self.assertRaisesRule(
            ValidationError,
            r"net amount \$\s?1,000.00 cannot go below the \$\s?1,600.00 already "
            r"processed \(milestones M1, M2\)",
        ):
            invoice.invoice_line_ids[0].price_unit = 900.0
        self.assertEqual(invoice.amount_untaxed, 1000.0)

    def test_hold_is_an_action_not_a_status(self):
        order, m1, __ = self._order()
        m1._put_on_hold("Customer dispute")
        self.assertEqual(m1.status, "hold")
        m1._release_hold("Settled")
        self.assertEqual(m1.status, "to_process")


@tagged("post_install", "-at_install")
class TestExactCurrencies(LedgerCase):
    """Invoice lines bill the milestone to the currency's last decimal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelists = {}
        for digits, rounding in ((0, 1.0), (2, 0.01), (3, 0.001)):
            currency = cls.env.company.currency_id.copy(
                {"name": f"XC{digits}", "symbol": f"C{digits}", "rounding": rounding}
            )
            cls.env["res.currency.rate"].create(
                {"currency_id": currency.id, "name": "2000-01-01", "rate": 1.0}
            )
            cls.pricelists[digits] = cls.env["product.pricelist"].create(
                {"name": f"XC{digits}", "currency_id": currency.id}
            )

    def _thirds(self, digits):
        order = self._create_order(
            price=1000.0, pricelist_id=self.pricelists[digits].id
        )
        self._add_milestones(
            order.order_line,
            *({"kind": "days", "percent": p} for p in (33.3334, 33.3333, 33.3333)),
        )
        order.action_confirm()
        invoice = self._invoice(order)
        return order, invoice.invoice_line_ids

    def test_three_decimal_currency_keeps_the_third_decimal(self):
        order, lines = self._thirds(3)
        self.assertEqual(lines.mapped("price_subtotal"), [333.334, 333.333, 333.333])
        self.assertEqual(lines.move_id.amount_untaxed, 1000.0)
        self.assertEqual(
            order.order_line.billing_milestone_ids.mapped("amount"),
            [333.334, 333.333, 333.333],
        )

    def test_two_decimal_currency_bills_quantity_one(self):
        __, lines = self._thirds(2)
        self.assertEqual(lines.mapped("price_subtotal"), [333.33, 333.34, 333.33])
        self.assertEqual(lines.mapped("quantity"), [1.0, 1.0, 1.0])

    def test_zero_decimal_currency(self):
        __, lines = self._thirds(0)
        self.assertEqual(sum(lines.mapped("price_subtotal")), 1000.0)
        self.assertEqual(lines.mapped("quantity"), [1.0, 1.0, 1.0])


@tagged("post_install", "-at_install")
class TestInvoiceWizardAccess(LedgerCase):
    """The batch wizard shows and bills only what its user may read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})

        def user(login, groups, companies=company):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies[0].id,
                company_ids=companies.ids,
            )

        cls.salesman = user("smb_own", "sales_team.group_sale_salesman")
        cls.rival = user("smb_rival", "sales_team.group_sale_salesman")
        cls.project_salesman = user(
            "smb_own_project",
            "sales_team.group_sale_salesman,project.group_project_user",
        )
        cls.stranger = user(
            "smb_stranger",
            "sales_team.group_sale_salesman_all_leads",
            cls.other_company,
        )
        cls.billing = user(
            "smb_billing",
            "sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )

    def _order_of(self, user):
        order, m1, m2 = self._order()
        order.user_id = user
        return order, m1

    def _wizard(self, user, orders=None):
        values = {"order_ids": orders.ids} if orders else {}
        return (
            self.env["sale.billing.milestone.invoice"]
            .with_user(user)
            .with_context(allowed_company_ids=user.company_ids.ids)
            .create(values)
        )

    def test_salesman_sees_only_milestones_of_own_orders(self):
        own, own_m1 = self._order_of(self.salesman)
        __, rival_m1 = self._order_of(self.rival)
        for user in (self.salesman, self.project_salesman):
            with self.subTest(user=user.login):
                if user == self.project_salesman:
                    own.user_id = user
                wizard = self._wizard(user)
                self.assertEqual(wizard.line_ids.milestone_id, own_m1)
                self.assertNotIn(rival_m1, wizard.line_ids.milestone_id)

    def test_user_of_another_company_sees_nothing(self):
        self._order_of(self.salesman)
        wizard = self._wizard(self.stranger)
        self.assertFalse(wizard.line_ids)
        self.assertEqual(wizard.amount_total, 0.0)

    def test_orders_the_user_may_not_read_are_not_listed(self):
        __, rival_m1 = self._order_of(self.rival)
        wizard = (
            self.env["sale.billing.milestone.invoice"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=rival_m1.order_id.ids)
            .create({})
        )
        self.assertFalse(wizard.line_ids)

    def test_create_and_post_is_shown_only_to_users_who_may_post(self):
        wizard = self.env["sale.billing.milestone.invoice"]
        for user, shown in ((self.salesman, False), (self.billing, True)):
            arch = wizard.with_user(user).get_views([(False, "form")])["views"]["form"]
            with self.subTest(user=user.login):
                self.assertEqual(
                    'name="action_create_and_post_invoices"' in arch["arch"], shown
                )

    def test_salesman_cannot_post_and_nothing_is_created(self):
        order, m1 = self._order_of(self.salesman)
        wizard = self._wizard(self.salesman, order)
        with self.assertRaisesRule(AccessError, r"post an invoice"):
            wizard.action_create_and_post_invoices()
        self.assertFalse(order.invoice_ids)
        self.assertOpen(m1)

    def test_billing_user_creates_and_posts(self):
        order, m1 = self._order_of(self.salesman)
        self._wizard(self.billing, order).action_create_and_post_invoices()
        self.assertEqual(order.invoice_ids.state, "posted")
        self.assertBilledOnce(m1, order.invoice_ids)


@tagged("post_install", "-at_install")
class TestOneInvoicingPath(LedgerCase):
    def test_invoicing_uses_no_context_key_of_its_own(self):
        order, m1, __ = self._order()
        invoice = order._invoice_billing_milestones(
            order.contract_date, whole_orders=False
        )
        self.assertFalse(
            [key for key in invoice.env.context if key.startswith("billing")]
        )
        self.assertBilledOnce(m1, invoice)

    @mute_logger("odoo.models.unlink")
    def test_preview_is_what_gets_created(self):
        order_a, a1, __ = self._order()
        order_b, b1, b2 = self._order()
        b2.write({"kind": "days", "days": 0, "due_days": 10})
        order_b.partner_invoice_id = self.partner_b
        wizard = self.env["sale.billing.milestone.invoice"].create(
            {"order_ids": (order_a | order_b).ids}
        )
        plan = wizard.line_ids.milestone_id._get_invoice_plan()
        expected = sorted(
            sorted(milestones.ids)
            for __, invoices in plan
            for milestones in invoices.values()
        )
        self.assertEqual(wizard.invoice_count, 3)
        invoices = wizard._create_milestone_invoices()
        self.assertEqual(
            sorted(
                sorted(inv.invoice_line_ids.billing_milestone_id.ids)
                for inv in invoices
            ),
            expected,
        )
        self.assertEqual(
            sorted(sorted(m.ids) for m in (a1, b1, b2)),
            expected,
        )

    def test_ordinary_lines_come_along_only_on_create_invoice(self):
        order, m1, __ = self._order()
        order.order_line = [
            Command.create({"product_id": self.product_ordinary.id, "price_unit": 100})
        ]
        invoice = self._invoice(order)
        self.assertEqual(invoice.amount_untaxed, 400.0)
        self.assertBilledOnce(m1, invoice)


@tagged("post_install", "-at_install")
class TestBillingProgress(LedgerCase):
    """Scheduled, invoiced, paid, remaining and % billed follow the ledger."""

    def test_progress_follows_invoices_and_payments(self):
        order, m1, m2 = self._order()
        order.order_line = [
            Command.create({"product_id": self.product_ordinary.id, "price_unit": 100})
        ]
        line = order.order_line.filtered("billing_milestone_ids")
        self.assertEqual(
            (order.billing_scheduled_amount, order.billing_billable_amount), (1000, 300)
        )
        self.assertEqual(
            (order.billing_invoiced_amount, order.billing_progress), (0, 0)
        )
        invoice = self._invoice(order)
        self.assertEqual(
            (line.billing_invoiced_amount, line.billing_paid_amount), (300, 0)
        )
        self.assertEqual(line.billing_remaining_amount, 700)
        self.assertEqual(order.billing_progress, 30.0)
        self.assertEqual(order.billing_billable_amount, 0)
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(order.billing_paid_amount, 300)
        m2.action_reach()
        self.assertEqual(order.billing_billable_amount, 700)
        credit_note = self._reverse(invoice, intent="rebill")
        credit_note.action_post()
        self.assertEqual(
            (order.billing_invoiced_amount, order.billing_progress), (0, 0)
        )
        self.assertEqual(order.billing_billable_amount, 1000)
