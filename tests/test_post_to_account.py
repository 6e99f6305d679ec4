# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import LedgerCase


@tagged("post_install", "-at_install")
class TestPostToAccount(LedgerCase):
    """A milestone's invoice line posts to the milestone's income account and
    analytic distribution when it names them, as Odoo posts a product line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.milestone_income = Account.create(
            {"name": "Milestone Revenue", "code": "700100", "account_type": "income"}
        )
        cls.export_income = Account.create(
            {"name": "Export Revenue", "code": "700200", "account_type": "income"}
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.other_income = Account.with_company(cls.other_company).create(
            {
                "name": "Other Company Revenue",
                "code": "700300",
                "account_type": "income",
                "company_ids": [Command.set(cls.other_company.ids)],
            }
        )
        plan = cls.env["account.analytic.plan"].create({"name": "Projects"})
        cls.analytic_order, cls.analytic_milestone = cls.env[
            "account.analytic.account"
        ].create(
            [
                {"name": "Rebranding", "plan_id": plan.id},
                {"name": "Rebranding design", "plan_id": plan.id},
            ]
        )

    def _order_m1_m2(self, **m1_values):
        """A confirmed order of 1,000: M1 (30 %, billable today) with
        ``m1_values``, and M2 (70 %, Manual)."""
        return self._confirmed_order(
            {"kind": "days", "days": 0, "percent": 30, **m1_values},
            {"kind": "manual", "percent": 70},
        )

    def _posted_invoice_line(self, milestone):
        (invoice,) = self._invoice_milestones(milestone, post=True)
        return invoice.invoice_line_ids.filtered(
            lambda line: line.billing_milestone_id == milestone
        )

    def test_invoice_line_posts_to_the_milestone_income_account(self):
        __, (m1, __) = self._order_m1_m2(income_account_id=self.milestone_income.id)
        line = self._posted_invoice_line(m1)
        self.assertEqual(line.account_id, self.milestone_income)
        self.assertEqual(line.move_id.state, "posted")
        items = line.move_id.line_ids.filtered(
            lambda item: item.account_id == self.milestone_income
        )
        self.assertEqual(items, line)
        self.assertEqual(items.credit, 300.0)
        self.assertEqual(items.debit, 0.0)
        receivable = line.move_id.line_ids.filtered(
            lambda item: item.display_type == "payment_term"
        )
        self.assertEqual(receivable.debit, 300.0)

    def test_update_taxes_and_accounts_keeps_the_milestone_income_account(self):
        __, (m1, __) = self._order_m1_m2(income_account_id=self.milestone_income.id)
        (draft,) = self._invoice_milestones(m1)
        draft.action_update_fpos_values()
        self.assertEqual(draft.invoice_line_ids.account_id, self.milestone_income)

    def test_fiscal_position_maps_the_milestone_income_account(self):
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "Export",
                "account_ids": [
                    Command.create(
                        {
                            "account_src_id": self.milestone_income.id,
                            "account_dest_id": self.export_income.id,
                        }
                    )
                ],
            }
        )
        order, (m1, __) = self._order_m1_m2(income_account_id=self.milestone_income.id)
        order.fiscal_position_id = fiscal_position
        line = self._posted_invoice_line(m1)
        self.assertEqual(line.move_id.fiscal_position_id, fiscal_position)
        self.assertEqual(line.account_id, self.export_income)
        self.assertEqual(line.credit, 300.0)

    def test_blank_income_account_posts_to_the_product_account(self):
        __, (m1, __) = self._order_m1_m2()
        product_income = self.product_milestone.product_tmpl_id.get_product_accounts()[
            "income"
        ]
        self.assertTrue(product_income)
        line = self._posted_invoice_line(m1)
        self.assertEqual(line.account_id, product_income)
        self.assertEqual(line.credit, 300.0)

    def test_template_income_account_and_distribution_reach_a_new_order_line(self):
        distribution = {str(self.analytic_milestone.id): 100.0}
        self.product_scheduled.billing_milestone_template_ids[0].write(
            {
                "income_account_id": self.milestone_income.id,
                "analytic_distribution": distribution,
            }
        )
        order = self._create_order(product=self.product_scheduled)
        m1, m2, m3 = order.order_line.billing_milestone_ids
        self.assertEqual(m1.income_account_id, self.milestone_income)
        self.assertEqual(m1.analytic_distribution, distribution)
        self.assertFalse((m2 | m3).income_account_id)
        self.assertFalse(m2.analytic_distribution or m3.analytic_distribution)

    def test_shared_template_keeps_only_an_account_of_the_order_company(self):
        self.assertFalse(self.product_scheduled.company_id)
        template = self.product_scheduled.billing_milestone_template_ids[0]
        template.income_account_id = self.other_income
        order = self._create_order(product=self.product_scheduled)
        m1 = order.order_line.billing_milestone_ids[0]
        self.assertEqual(m1.name, "M1")
        self.assertFalse(m1.income_account_id)

    def test_milestone_analytic_distribution_overrides_the_order_line(self):
        order, (m1, m2) = self._order_m1_m2(
            analytic_distribution={str(self.analytic_milestone.id): 100}
        )
        order.order_line.analytic_distribution = {str(self.analytic_order.id): 100}
        (invoice,) = self._invoice_milestones(m1 | m2)
        line_m1, line_m2 = invoice.invoice_line_ids.sorted(
            lambda line: line.billing_milestone_id.sequence
        )
        self.assertEqual(line_m1.billing_milestone_id, m1)
        self.assertEqual(
            line_m1.analytic_distribution, {str(self.analytic_milestone.id): 100}
        )
        self.assertEqual(
            line_m2.analytic_distribution, {str(self.analytic_order.id): 100}
        )
        invoice.action_post()
        self.assertEqual(line_m1.analytic_line_ids.mapped("amount"), [300.0])
        self.assertEqual(
            line_m1.analytic_line_ids.mapped(
                self.analytic_milestone.plan_id._column_name()
            ),
            self.analytic_milestone,
        )

    def test_reopened_part_is_billed_again_to_the_milestone_accounts(self):
        distribution = {str(self.analytic_milestone.id): 100}
        order, (m1, __) = self._order_m1_m2(
            income_account_id=self.milestone_income.id,
            analytic_distribution=distribution,
        )
        invoice = self._posted_invoice_line(m1).move_id
        credit_note = self._credit(invoice, 100, intent="rebill")
        self.assertEqual(credit_note.invoice_line_ids.account_id, self.milestone_income)
        part = m1.reopened_ids
        self.assertEqual(part.income_account_id, self.milestone_income)
        self.assertEqual(part.analytic_distribution, distribution)
        line = self._invoice(order).invoice_line_ids
        self.assertEqual(line.billing_milestone_id, part)
        self.assertEqual(line.account_id, self.milestone_income)
        self.assertEqual(line.analytic_distribution, distribution)
        self.assertEqual(line.credit, 100.0)

    def test_income_account_of_another_company_is_refused(self):
        __, (m1, __) = self._order_m1_m2()
        with self.assertRaisesRule(
            ValidationError,
            r'^Milestone "M1": its Income Account .*Other Company Revenue is not '
            rf"an account of {re.escape(m1.company_id.name)}, the milestone's "
            r"company\.$",
        ):
            m1.income_account_id = self.other_income
        self.assertFalse(m1.income_account_id)

    def test_receivable_payable_and_off_balance_accounts_are_refused(self):
        off_balance = self.env["account.account"].create(
            {"name": "Memo", "code": "990000", "account_type": "off_balance"}
        )
        __, (m1, __) = self._order_m1_m2()
        refused = {
            "Receivable": self.company_data["default_account_receivable"],
            "Payable": self.company_data["default_account_payable"],
            "Off-Balance Sheet": off_balance,
        }
        for account_type, account in refused.items():
            with self.subTest(account_type=account_type):
                with self.assertRaisesRule(
                    ValidationError,
                    rf'^Milestone "M1": its Income Account .+ is of type '
                    rf"{account_type}; an invoice line cannot post to a receivable, "
                    r"payable or off-balance sheet account\.$",
                ):
                    m1.income_account_id = account
                self.assertFalse(m1.income_account_id)

    def test_deprecated_account_is_refused(self):
        deprecated = self.env["account.account"].create(
            {
                "name": "Old Revenue",
                "code": "700900",
                "account_type": "income",
                "deprecated": True,
            }
        )
        with self.assertRaisesRule(
            ValidationError,
            r'^Milestone "M1": its Income Account 700900 Old Revenue is deprecated; '
            r"an invoice line cannot post to it\.$",
        ):
            self._order_m1_m2(income_account_id=deprecated.id)

    def test_template_refuses_a_receivable_account(self):
        template = self.product_scheduled.billing_milestone_template_ids[0]
        with self.assertRaisesRule(
            ValidationError, r'^Milestone "M1": its Income Account .+ is of type '
        ):
            template.income_account_id = self.company_data["default_account_receivable"]
        self.assertFalse(template.income_account_id)

    def test_income_account_of_a_processed_milestone_is_frozen(self):
        __, (m1, __) = self._order_m1_m2()
        self._invoice_milestones(m1)
        with self.assertRaisesRule(
            UserError,
            r"^Milestone M1 is already processed: its Income Account can no longer "
            r"be changed\.$",
        ):
            m1.income_account_id = self.milestone_income
        self.assertFalse(m1.income_account_id)

    def test_analytic_distribution_of_a_processed_milestone_is_frozen(self):
        distribution = {str(self.analytic_milestone.id): 100}
        __, (m1, __) = self._order_m1_m2(analytic_distribution=distribution)
        self._invoice_milestones(m1)
        with self.assertRaisesRule(
            UserError,
            r"^Milestone M1 is already processed: its Analytic Distribution can no "
            r"longer be changed\.$",
        ):
            m1.analytic_distribution = {str(self.analytic_order.id): 100}
        m1.invalidate_recordset()
        self.assertEqual(m1.analytic_distribution, distribution)
