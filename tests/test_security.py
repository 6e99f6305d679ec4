# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestBillingMilestoneAccess(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {
            "salesman": "sales_team.group_sale_salesman",
            "other_salesman": "sales_team.group_sale_salesman",
            "sale_manager": "sales_team.group_sale_manager",
            "invoicing": "account.group_account_invoice",
            "project_user": "project.group_project_user",
            "accountant_readonly": "account.group_account_readonly",
            "employee": "base.group_user",
        }
        cls.users = {
            login: new_test_user(
                cls.env,
                login=f"smb_{login}",
                groups=groups,
                company_id=company.id,
                company_ids=[company.id],
            )
            for login, groups in users.items()
        }
        cls.order = cls._create_order(
            cls.product_scheduled, user_id=cls.users["salesman"].id
        )
        cls.milestones = cls.order.order_line.billing_milestone_ids

    def _as(self, login):
        return self.milestones.with_user(self.users[login])

    def test_salesman_manages_milestones_of_own_orders(self):
        milestones = self._as("salesman")
        milestones[0].description = "Kick-off meeting"
        self.assertEqual(len(milestones.search([("order_id", "=", self.order.id)])), 3)
        milestones[2].unlink()

    def test_salesman_cannot_read_milestones_of_others_orders(self):
        milestones = self._as("other_salesman")
        self.assertFalse(milestones.search([("order_id", "=", self.order.id)]))
        with self.assertRaises(AccessError):
            milestones[0].read(["amount"])

    def test_sale_manager_manages_every_milestone(self):
        milestones = self._as("sale_manager")
        milestones[0].percent = 20
        milestones[2].unlink()
        self.assertEqual(self.milestones.exists().mapped("amount"), [200.0, 400.0])

    def test_invoicing_user_reads_and_updates_but_cannot_create_or_delete(self):
        milestones = self._as("invoicing")
        milestones[0].description = "Invoiced at kick-off"
        with self.assertRaises(AccessError):
            milestones.create(
                {"sale_line_id": self.order.order_line.id, "name": "X", "percent": 1}
            )
        with self.assertRaises(AccessError):
            milestones[0].unlink()

    def test_project_user_reads_milestones_of_project_lines_only(self):
        milestones = self._as("project_user")
        # The order made no project nor task: nothing for a project user.
        self.assertFalse(milestones.search([("order_id", "=", self.order.id)]))
        self.product_scheduled.write(
            {"service_tracking": "task_global_project", "project_id": self.project.id}
        )
        order = self._create_order(self.product_scheduled)
        order.action_confirm()
        milestones = order.order_line.billing_milestone_ids.with_user(
            self.users["project_user"]
        )
        self.assertEqual(milestones.mapped("amount"), [300.0, 400.0, 300.0])
        with self.assertRaises(AccessError):
            milestones[0].percent = 10

    def test_read_only_accountant_cannot_change_milestones(self):
        milestones = self._as("accountant_readonly")
        self.assertEqual(len(milestones.read(["amount"])), 3)
        with self.assertRaises(AccessError):
            milestones[0].description = "Changed"

    def test_employee_without_sales_rights_cannot_read_milestones(self):
        with self.assertRaises(AccessError):
            self._as("employee").read(["amount"])

    def test_employee_without_sales_manager_rights_cannot_edit_templates(self):
        templates = self.product_scheduled.billing_milestone_template_ids
        templates.with_user(self.users["employee"]).read(["percent"])
        with self.assertRaises(AccessError):
            templates.with_user(self.users["salesman"]).write({"percent": 10})

    def test_other_company_cannot_read_milestones(self):
        other_company = self.env["res.company"].create({"name": "Other company"})
        user = new_test_user(
            self.env,
            login="smb_other_company",
            groups="sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        milestones = self.milestones.with_user(user)
        self.assertFalse(milestones.search([("order_id", "=", self.order.id)]))
        with self.assertRaises(AccessError):
            milestones.read(["amount"])
