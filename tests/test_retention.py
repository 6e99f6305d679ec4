# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree, html

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import LedgerCase, cell_text


class RetentionCase(LedgerCase):
    """10 % retention on a line of 10,000 with 15 % tax: M1 30 % billable today,
    M2 30 % and M3 40 % Manual, R the Retention Release (Manual)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # With its tax account: tax lines of income and retention are one.
        cls.tax_15 = cls.company_data["default_tax_sale"].copy(
            {
                "name": "VAT 15 %",
                "amount": 15.0,
                "price_include_override": "tax_excluded",
            }
        )
        cls.retention_account = cls.env.company.billing_retention_account_id

    def _retention_order(self, tax_mode="invoice", price=10000.0, pricelist=None):
        self.env.company.billing_retention_tax = tax_mode
        values = {"pricelist_id": pricelist.id} if pricelist else {}
        order = self._create_order(price=price, **values)
        line = order.order_line
        line.write({"tax_id": [Command.set(self.tax_15.ids)]})
        line.billing_retention_percent = 10
        milestones = self._add_milestones(
            line,
            {"kind": "days", "days": 0, "percent": 30},
            {"kind": "manual", "percent": 30},
            {"kind": "manual", "percent": 40},
            {"kind": "manual", "is_retention_release": True},
        )
        order.action_confirm()
        return (order, *milestones)

    def _items(self, move):
        """(account, debit, credit) of each journal item, by account."""
        return sorted(
            (aml.account_id.id, aml.debit, aml.credit) for aml in move.line_ids
        )

    def assertInvoice(self, move, untaxed, tax, total):
        self.assertEqual(
            (move.amount_untaxed, move.amount_tax, move.amount_total),
            (untaxed, tax, total),
        )

    def assertHeld(self, line, withheld, released, credited, held):
        self.env.flush_all()
        self.assertEqual(
            (
                line.billing_retention_withheld,
                line.billing_retention_released,
                line.billing_retention_credited,
                line.billing_retention_held,
            ),
            (withheld, released, credited, held),
        )


@tagged("post_install", "-at_install")
class TestRetention(RetentionCase):
    # The company's account

    def test_the_chart_of_accounts_brings_a_retention_receivable_account(self):
        account = self.retention_account
        self.assertTrue(account)
        self.assertEqual(account.account_type, "asset_current")
        self.assertIn(self.env.company, account.company_ids)

    # Both tax settings, to the cent, by hand

    def test_tax_on_each_invoice_withholds_untaxed_and_releases_untaxed(self):
        order, m1, m2, m3, release = self._retention_order("invoice")
        line = order.order_line
        income = m1.product_id.property_account_income_id or (
            m1.product_id.categ_id.property_account_income_categ_id
        )
        self.assertEqual(release.amount, 1000.0)
        # The release is expected cash, not more of the line's net.
        self.assertEqual(
            (order.billing_scheduled_amount, line.billing_scheduled_amount),
            (10000.0, 10000.0),
        )
        self.assertEqual(release.status, "to_process")
        self.assertFalse(release.is_billable_now)
        # What the customer pays on each: M1 less its retention, the release
        # untaxed (the Cash-in Forecast's Amount with Taxes).
        self.assertEqual((m1.amount_total, release.amount_total), (3150.0, 1000.0))
        first = self._invoice_milestones(m1, post=True)
        self.assertInvoice(first, 2700.0, 450.0, 3150.0)
        self.assertEqual(m1.amount_total, 3150.0)
        retention = first.invoice_line_ids.filtered("billing_retention_role")
        self.assertEqual(retention.account_id, self.retention_account)
        self.assertFalse(retention.tax_ids)
        self.assertEqual(retention.price_subtotal, -300.0)
        receivable = first.line_ids.filtered(
            lambda aml: aml.display_type == "payment_term"
        )
        tax_line = first.line_ids.filtered(lambda aml: aml.display_type == "tax")
        self.assertEqual(
            self._items(first),
            sorted(
                [
                    (income.id, 0.0, 3000.0),
                    (self.retention_account.id, 300.0, 0.0),
                    (tax_line.account_id.id, 0.0, 450.0),
                    (receivable.account_id.id, 3150.0, 0.0),
                ]
            ),
        )
        self.assertHeld(line, 300.0, 0.0, 0.0, 300.0)
        second = self._invoice_milestones(m2, post=True)
        self.assertInvoice(second, 2700.0, 450.0, 3150.0)
        self.assertFalse(release.is_billable_now)
        third = self._invoice_milestones(m3, post=True)
        self.assertInvoice(third, 3600.0, 600.0, 4200.0)
        self.assertHeld(line, 1000.0, 0.0, 0.0, 1000.0)
        # Revenue is invoiced in full; the retention only waits for its money.
        self.assertEqual(
            (line.qty_invoiced, line.untaxed_amount_invoiced), (1.0, 10000.0)
        )

        self.assertEqual(order.invoice_status, "invoiced")
        release.action_reach()
        self.assertTrue(release.is_billable_now)
        # Odoo's To Invoice lists the order again.
        self.assertEqual(order.invoice_status, "to invoice")
        final = self._invoice_milestones(release, post=True)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertInvoice(final, 1000.0, 0.0, 1000.0)
        self.assertEqual(
            self._items(final),
            sorted(
                [
                    (self.retention_account.id, 0.0, 1000.0),
                    (receivable.account_id.id, 1000.0, 0.0),
                ]
            ),
        )
        self.assertHeld(line, 1000.0, 1000.0, 0.0, 0.0)
        self.assertEqual(release.status, "processed")
        self.assertEqual(line.untaxed_amount_invoiced, 10000.0)
        self.assertEqual(
            sum((first | second | third | final).mapped("amount_total")), 11500.0
        )

    def test_tax_at_release_taxes_the_retention_when_it_is_released(self):
        order, m1, m2, m3, release = self._retention_order("release")
        line = order.order_line
        self.assertEqual((m1.amount_total, release.amount_total), (3105.0, 1150.0))
        first = self._invoice_milestones(m1, post=True)
        self.assertInvoice(first, 2700.0, 405.0, 3105.0)
        retention = first.invoice_line_ids.filtered("billing_retention_role")
        self.assertEqual(retention.tax_ids, self.tax_15)
        tax_line = first.line_ids.filtered(lambda aml: aml.display_type == "tax")
        self.assertEqual((tax_line.credit, tax_line.tax_base_amount), (405.0, 2700.0))
        second = self._invoice_milestones(m2, post=True)
        third = self._invoice_milestones(m3, post=True)
        self.assertInvoice(second, 2700.0, 405.0, 3105.0)
        self.assertInvoice(third, 3600.0, 540.0, 4140.0)
        release.action_reach()
        final = self._invoice_milestones(release, post=True)
        self.assertInvoice(final, 1000.0, 150.0, 1150.0)
        self.assertEqual(final.invoice_line_ids.account_id, self.retention_account)
        self.assertHeld(line, 1000.0, 1000.0, 0.0, 0.0)
        self.assertEqual(
            sum((first | second | third | final).mapped("amount_total")), 11500.0
        )

    def test_update_taxes_and_accounts_keeps_the_retention_line(self):
        # Odoo takes the taxes from the product again.
        self.product_milestone.taxes_id = self.tax_15
        for mode, untaxed, tax in (
            ("invoice", 2700.0, 450.0),
            ("release", 2700.0, 405.0),
        ):
            with self.subTest(mode=mode):
                order, m1, *__ = self._retention_order(mode)
                draft = self._invoice_milestones(m1)
                draft.action_update_fpos_values()
                retention = draft.invoice_line_ids.filtered("billing_retention_role")
                self.assertEqual(retention.account_id, self.retention_account)
                self.assertInvoice(draft, untaxed, tax, untaxed + tax)

    # Release

    def test_the_release_waits_for_every_other_milestone_posted(self):
        order, m1, m2, m3, release = self._retention_order()
        release.action_reach()
        self.assertFalse(release.is_billable_now)
        self.assertRegex(release.billable_reason, "every other milestone")
        self._invoice_milestones(m1 | m2, post=True)
        draft = self._invoice_milestones(m3)
        self.assertFalse(release.is_billable_now)
        draft.action_post()
        self.assertTrue(release.is_billable_now)
        # After the release, nothing more is withheld for the line.
        final = self._invoice_milestones(release, post=True)
        self.assertEqual(final.amount_untaxed, 1000.0)
        self.assertFalse(m1.retention_amount == 0.0)

    def test_the_release_bills_what_is_held_once(self):
        order, m1, m2, m3, release = self._retention_order()
        self._invoice_milestones(m1 | m2 | m3, post=True)
        release.action_reach()
        self._invoice_milestones(release, post=True)
        self.assertEqual(release.billable_reason, "Already processed")
        wizard = self.env["sale.billing.milestone.invoice"].create(
            {"order_ids": [Command.set(order.ids)]}
        )
        self.assertFalse(wizard.line_ids)

    # Credit notes of a retained invoice

    def test_a_partial_final_credit_credits_its_retention(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        first = self._invoice_milestones(m1, post=True)
        credit_note = self._reverse(first, intent="final")
        milestone_line = credit_note.invoice_line_ids.filtered("billing_milestone_id")
        milestone_line.price_unit = 1000.0
        retention = credit_note.invoice_line_ids - milestone_line
        self.assertEqual(retention.price_subtotal, -100.0)
        credit_note.action_post()
        self.assertInvoice(credit_note, 900.0, 150.0, 1050.0)
        self.assertHeld(line, 200.0, 0.0, 0.0, 200.0)
        self.assertEqual(m1.status, "processed")
        self._invoice_milestones(m2 | m3, post=True)
        release.action_reach()
        final = self._invoice_milestones(release, post=True)
        self.assertEqual(final.amount_total, 900.0)
        self.assertHeld(line, 900.0, 900.0, 0.0, 0.0)

    def test_a_partial_credit_billed_again_withholds_again(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        first = self._invoice_milestones(m1, post=True)
        credit_note = self._reverse(first, intent="rebill")
        milestone_line = credit_note.invoice_line_ids.filtered("billing_milestone_id")
        milestone_line.price_unit = 1000.0
        credit_note.action_post()
        self.assertInvoice(credit_note, 900.0, 150.0, 1050.0)
        self.assertHeld(line, 200.0, 0.0, 0.0, 200.0)
        part = m1.reopened_ids
        self.assertEqual(part.amount, 1000.0)
        again = self._invoice_milestones(part, post=True)
        self.assertInvoice(again, 900.0, 150.0, 1050.0)
        self.assertHeld(line, 300.0, 0.0, 0.0, 300.0)
        self._invoice_milestones(m2 | m3, post=True)
        release.action_reach()
        self.assertEqual(release.amount, 1000.0)

    def test_crediting_the_release_holds_the_retention_again(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        self._invoice_milestones(m1 | m2 | m3, post=True)
        release.action_reach()
        final = self._invoice_milestones(release, post=True)
        self._reverse(final, intent="rebill").action_post()
        self.assertHeld(line, 1000.0, 0.0, 0.0, 1000.0)
        self.assertEqual(release.status, "to_process")
        again = self._invoice_milestones(release, post=True)
        self.assertEqual(again.amount_total, 1000.0)
        self.assertHeld(line, 1000.0, 1000.0, 0.0, 0.0)

    def test_a_cancelled_invoice_withholds_nothing(self):
        order, m1, *__ = self._retention_order()
        first = self._invoice_milestones(m1, post=True)
        first.button_cancel()
        self.assertHeld(order.order_line, 0.0, 0.0, 0.0, 0.0)
        first.button_draft()
        first.action_post()
        self.assertHeld(order.order_line, 300.0, 0.0, 0.0, 300.0)

    def test_a_credit_of_more_retention_than_held_is_refused(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        first = self._invoice_milestones(m1, post=True)
        self._invoice_milestones(m2 | m3, post=True)
        release.action_reach()
        self._invoice_milestones(release, post=True)
        credit_note = self._reverse(first, intent="final")
        with self.assertRaisesRule(ValidationError, "more retention than"):
            credit_note.action_post()
        self.assertHeld(line, 1000.0, 1000.0, 0.0, 0.0)

    def test_a_re_plan_of_the_net_keeps_the_release(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        self._invoice_milestones(m1, post=True)
        line.price_unit = 20000.0
        wizard = self.env["sale.billing.milestone.replan"].create(
            {"sale_line_id": line.id}
        )
        self.assertNotIn("R", [m.name for m in wizard._get_plan()[0]])
        wizard.action_apply()
        self.assertTrue(release.exists())
        # M2 and M3 share the 17,000 left: 7,285.71 and 9,714.29.
        self.assertEqual((m2.amount, m3.amount), (7285.71, 9714.29))
        # 300 held on M1, 728.57 and 971.43 to come.
        self.assertEqual(release.amount, 2000.0)

    # Currencies without cents, and with mils

    def test_yen_and_dinar_retention_is_exact(self):
        jpy = self.env.ref("base.JPY")
        kwd = self.env.ref("base.KWD")
        for currency in jpy | kwd:
            currency.active = True
            self.env["res.currency.rate"].create(
                {"currency_id": currency.id, "name": "2000-01-01", "rate": 1.0}
            )
        pricelist = self.env["product.pricelist"].create(
            {"name": "JPY", "currency_id": jpy.id}
        )
        order, m1, m2, m3, release = self._retention_order(
            price=100001.0, pricelist=pricelist
        )
        self.assertEqual(
            # Rounded on the running total: 30,000.3, 60,000.6 and 100,001.
            [m.amount for m in (m1, m2, m3)],
            [30000.0, 30001.0, 40000.0],
        )
        self.assertEqual(release.amount, 10000.0)
        first = self._invoice_milestones(m1, post=True)
        self.assertInvoice(first, 27000.0, 4500.0, 31500.0)
        third = self._invoice_milestones(m3, post=True)
        self.assertInvoice(third, 36000.0, 6000.0, 42000.0)

        pricelist = self.env["product.pricelist"].create(
            {"name": "KWD", "currency_id": kwd.id}
        )
        order, m1, m2, m3, release = self._retention_order(
            price=1234.57, pricelist=pricelist
        )
        self.assertEqual(
            # 30 % of 1,234.570 is 370.371; 60 % is 740.742.
            [m.amount for m in (m1, m2, m3)],
            [370.371, 370.371, 493.828],
        )
        # 37.0371 + 37.0371 + 49.3828, each rounded to the mil.
        self.assertEqual(release.amount, 123.457)
        first = self._invoice_milestones(m1, post=True)
        # The tax of 370.371 at 15 % is 55.55565.
        self.assertInvoice(first, 333.334, 55.556, 388.890)
        self.assertEqual(
            first.invoice_line_ids.filtered("billing_retention_role").price_subtotal,
            -37.037,
        )

    # Bad input

    def test_retention_outside_0_to_100_is_refused(self):
        order, *__ = self._retention_order()
        with self.assertRaisesRule(ValidationError, "Retention % must be between"):
            order.order_line.billing_retention_percent = 120
        with self.assertRaisesRule(ValidationError, "Retention % must be between"):
            self.product_scheduled.billing_retention_percent = -1
        self.assertEqual(order.order_line.billing_retention_percent, 10)

    def test_a_release_on_a_line_without_retention_is_refused(self):
        order = self._create_order()
        with self.assertRaisesRule(ValidationError, "withholds no Retention %"):
            self._add_milestones(
                order.order_line, {"kind": "manual", "is_retention_release": True}
            )
        self.assertFalse(order.order_line.billing_milestone_ids)

    def test_two_releases_on_a_line_are_refused(self):
        order, *__ = self._retention_order()
        with self.assertRaisesRule(ValidationError, "both Retention Releases"):
            self.env["sale.billing.milestone"].create(
                {
                    "sale_line_id": order.order_line.id,
                    "name": "R2",
                    "kind": "manual",
                    "is_retention_release": True,
                }
            )

    def test_a_release_with_an_amount_of_its_own_is_refused(self):
        order, *__, release = self._retention_order()
        with self.assertRaisesRule(ValidationError, "no Fixed Amount or Percent"):
            release.percent = 10

    def test_retention_changed_after_the_first_invoice_is_refused(self):
        order, m1, *__ = self._retention_order()
        self._invoice_milestones(m1)
        with self.assertRaisesRule(ValidationError, "Re-plan the schedule"):
            order.order_line.billing_retention_percent = 5
        self.assertEqual(order.order_line.billing_retention_percent, 10)

    def test_the_retention_facts_are_never_written_by_hand(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        first = self._invoice_milestones(m1)
        retention = first.invoice_line_ids.filtered("billing_retention_role")
        accountant = new_test_user(
            self.env, "smb_retention_accountant", groups="account.group_account_invoice"
        )
        for name, value in (
            ("billing_retention_held", 0.0),
            ("billing_retention_withheld", 5000.0),
            ("billing_retention_release_id", m2.id),
        ):
            with (
                self.subTest(field=name),
                self.assertRaisesRule(UserError, "of an order line follow from"),
            ):
                line.with_user(accountant).write({name: value})
        for name, value in (
            ("billing_retention_role", "release"),
            ("billing_retention_milestone_id", m2.id),
            ("billing_retention_line_id", False),
        ):
            with (
                self.subTest(field=name),
                self.assertRaisesRule(UserError, "of an invoice line follow"),
            ):
                retention.with_user(accountant).write({name: value})
        first.action_post()
        self.assertHeld(line, 300.0, 0.0, 0.0, 300.0)

    def test_a_retention_line_of_another_order_line_is_refused(self):
        order, m1, *__ = self._retention_order()
        other, o1, *__ = self._retention_order()
        first = self._invoice_milestones(m1)
        with self.assertRaisesRule(ValidationError, "other than its milestone's"):
            first.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Forged retention",
                                "price_unit": -500.0,
                                "account_id": self.retention_account.id,
                                "billing_retention_line_id": other.order_line.id,
                                "billing_retention_milestone_id": m1.id,
                                "billing_retention_role": "withhold",
                            }
                        )
                    ]
                }
            )
        self.assertEqual(len(first.invoice_line_ids), 2)

    def test_no_retention_account_is_a_clear_error(self):
        order, m1, *__ = self._retention_order()
        self.env.company.billing_retention_account_id = False
        with self.assertRaisesRule(UserError, "no Retention Receivable Account"):
            self._invoice_milestones(m1)
        self.assertEqual(m1.status, "to_process")

    def test_retention_is_re_planned_for_the_invoices_to_come(self):
        order, m1, m2, m3, release = self._retention_order()
        line = order.order_line
        self._invoice_milestones(m1, post=True)
        wizard = self.env["sale.billing.milestone.replan"].create(
            {"sale_line_id": line.id}
        )
        self.assertEqual(wizard.retention_percent, 10)
        wizard.retention_percent = 5
        wizard.action_apply()
        self.assertEqual(line.billing_retention_percent, 5)
        second = self._invoice_milestones(m2, post=True)
        self.assertInvoice(second, 2850.0, 450.0, 3300.0)
        # 300 held on M1, 150 on M2, 200 to come on M3.
        self.assertEqual(release.amount, 650.0)
        self.assertIn("Retention of", order.message_ids[:1].body)


@tagged("post_install", "-at_install")
class TestRetentionScreens(RetentionCase, HttpCase):
    """What the customer and the accountant read of the retention."""

    def _note(self, content):
        [note] = html.fromstring(content).xpath("//p[@name='billing_retention_note']")
        return " ".join(cell_text(note).split())

    def test_the_order_pdf_says_what_is_withheld_and_when_it_is_released(self):
        order, m1, *__ = self._retention_order()
        self._invoice_milestones(m1, post=True)
        content, __ = self.env["ir.actions.report"]._render_qweb_html(
            "sale.action_report_saleorder", order.ids
        )
        self.assertEqual(
            self._note(content),
            "Retention: 10 % of each milestone of Consulting (milestones) is "
            "withheld on its invoice. Released: When M4 is reached. "
            "Held now: $ 300.00; released: $ 0.00.",
        )
        # The total is what the milestones bill; the release is not billed twice.
        [total] = html.fromstring(content).xpath("//tr[@name='billing_schedule_total']")
        self.assertIn("$ 10,000.00", cell_text(total))

    def test_the_customer_reads_the_retention_on_the_portal(self):
        portal = new_test_user(
            self.env,
            login="smb_retention_portal",
            password="smb-retention-portal",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        order, m1, *__ = self._retention_order()
        self._invoice_milestones(m1, post=True)
        self.authenticate(portal.login, "smb-retention-portal")
        response = self.url_open(order.access_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Held now: $ 300.00", self._note(response.content))

    def test_the_retention_report_lists_what_is_held_and_due(self):
        order, m1, m2, m3, release = self._retention_order()
        self._invoice_milestones(m1 | m2 | m3, post=True)
        release.action_reach()
        action = self.env.ref("sale_milestone_billing.sale_order_line_action_retention")
        domain = safe_eval(action.domain)
        arch = etree.fromstring(
            self.env.ref(
                "sale_milestone_billing.sale_order_line_view_search_retention"
            ).arch
        )
        today = fields.Date.context_today(self.env.user)

        def kept(name):
            [node] = arch.xpath(f"//filter[@name='{name}']")
            extra = safe_eval(node.get("domain"), {"context_today": lambda: today})
            return self.env["sale.order.line"].search(domain + extra)

        self.assertIn(order.order_line, kept("held"))
        self.assertIn(order.order_line, kept("due_for_release"))
        self.assertNotIn(order.order_line, kept("overdue"))
        [group] = self.env["sale.order.line"].read_group(
            domain + [("order_id", "=", order.id)],
            ["billing_retention_held:sum"],
            ["order_partner_id"],
        )
        self.assertEqual(group["billing_retention_held"], 1000.0)
