# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import BillingMilestoneCommon


@tagged("post_install", "-at_install")
class TestProjectMilestones(BillingMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        templates = [
            Command.create({"name": "M1", "kind": "days", "days": 0, "percent": 20}),
            Command.create(
                {"name": "M2", "description": "Design", "kind": "manual", "percent": 30}
            ),
            Command.create(
                {
                    "name": "M3",
                    "description": "Go-live",
                    "kind": "manual",
                    "percent": 50,
                }
            ),
        ]
        base = {
            "type": "service",
            "service_policy": "delivered_milestones",
            "list_price": 1000,
            "taxes_id": [Command.clear()],
            "billing_milestone_template_ids": templates,
        }
        cls.product_task = cls.env["product.product"].create(
            {
                **base,
                "name": "Rebranding task",
                "service_tracking": "task_global_project",
                "project_id": cls.project.id,
            }
        )
        cls.product_project = cls.env["product.product"].create(
            {**base, "name": "Rebranding project", "service_tracking": "project_only"}
        )
        cls.project_user = new_test_user(
            cls.env,
            login="smb_project_user",
            groups="project.group_project_user,project.group_project_milestone",
        )

    def _confirmed(self, product):
        order = self._create_order(product)
        order.action_confirm()
        return order

    def test_confirming_gives_each_manual_milestone_a_project_milestone(self):
        order = self._confirmed(self.product_task)
        m1, m2, m3 = order.order_line.billing_milestone_ids
        self.assertFalse(m1.project_milestone_id)
        project_milestones = (m2 | m3).project_milestone_id
        self.assertEqual(len(project_milestones), 2)
        self.assertEqual(project_milestones.project_id, self.project)
        self.assertEqual(project_milestones.sale_line_id, order.order_line)
        self.assertEqual(m2.project_milestone_id.name, "M2 - Design")
        self.assertEqual(
            self.project.milestone_ids.filtered(
                lambda m: m.sale_line_id == order.order_line
            ),
            project_milestones,
        )

    def test_project_created_by_the_order_gets_the_milestones(self):
        order = self._confirmed(self.product_project)
        project = order.order_line.project_id
        self.assertTrue(project)
        self.assertEqual(
            project.milestone_ids.mapped("name"), ["M2 - Design", "M3 - Go-live"]
        )

    @freeze_time("2026-05-04")
    def test_reaching_the_project_milestone_reaches_the_billing_milestone(self):
        order = self._confirmed(self.product_task)
        m2 = order.order_line.billing_milestone_ids[1]
        project_milestone = m2.project_milestone_id.with_user(self.project_user)
        self.assertEqual(project_milestone.billing_status, "to_process")
        project_milestone.toggle_is_reached(True)
        self.assertTrue(m2.is_reached)
        self.assertEqual(m2.billable_date, date(2026, 5, 4))
        self.assertEqual(project_milestone.billing_status, "billable")
        project_milestone.toggle_is_reached(False)
        self.assertFalse(m2.is_reached)

    def test_unreaching_leaves_a_processed_milestone_reached(self):
        order = self._confirmed(self.product_task)
        m2 = order.order_line.billing_milestone_ids[1]
        m2.project_milestone_id.is_reached = True
        order._create_invoices()
        self.assertEqual(m2.status, "processed")
        self.assertEqual(m2.project_milestone_id.billing_status, "processed")
        m2.project_milestone_id.is_reached = False
        self.assertTrue(m2.is_reached)

    def test_paid_invoice_shows_on_the_project_milestone(self):
        order = self._confirmed(self.product_task)
        m2 = order.order_line.billing_milestone_ids[1]
        m2.project_milestone_id.is_reached = True
        invoice = order._create_invoices()
        invoice.action_post()
        self._pay(invoice)
        self.assertEqual(m2.project_milestone_id.billing_status, "paid")

    def test_linking_a_reached_project_milestone_reaches_the_billing_milestone(self):
        order = self._create_order(project_id=self.project.id)
        order.action_confirm()
        reached = self.env["project.milestone"].create(
            {"name": "Done already", "project_id": self.project.id, "is_reached": True}
        )
        milestone = self._add_milestones(
            order.order_line,
            {"kind": "manual", "percent": 10, "project_milestone_id": reached.id},
        )
        self.assertTrue(milestone.is_reached)

    def test_project_user_cannot_change_billing_milestones(self):
        order = self._confirmed(self.product_task)
        milestone = order.order_line.billing_milestone_ids[1].with_user(
            self.project_user
        )
        self.assertEqual(milestone.amount, 300.0)
        for values in (
            {"percent": 10},
            {"on_hold": True, "hold_reason": "No"},
            {"date": "2026-01-01"},
            {"is_reached": True},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                milestone.write(values)

    def _salesman_order(self):
        salesman = new_test_user(
            self.env, login="smb_link_salesman", groups="sales_team.group_sale_salesman"
        )
        order = self._create_order(self.product_task, user_id=salesman.id)
        order.action_confirm()
        return salesman, order

    def test_linking_another_customers_project_milestone_is_refused(self):
        salesman, order = self._salesman_order()
        other = self.env["project.project"].create(
            {"name": "Other customer's project", "partner_id": self.partner_b.id}
        )
        foreign = self.env["project.milestone"].create(
            {"name": "Their go-live", "project_id": other.id}
        )
        m2 = order.order_line.billing_milestone_ids[1].with_user(salesman)
        own = m2.project_milestone_id
        with (
            mute_logger("odoo.models"),
            self.assertRaisesRule(
                ValidationError,
                r'^Milestone "M2" cannot follow project milestone "Their go-live" of '
                r'project "Other customer\'s project": a billing milestone follows '
                r"only a project milestone of its order line's project or of its "
                r"order's project\.$",
            ),
        ):
            m2.project_milestone_id = foreign
        self.assertEqual(m2.project_milestone_id, own)
        self.assertNotIn(other, m2.allowed_project_ids)
        foreign.is_reached = True
        self.assertFalse(m2.is_reached)

    def test_module_and_order_project_links_are_accepted(self):
        salesman, order = self._salesman_order()
        m2, m3 = order.order_line.billing_milestone_ids[1:].with_user(salesman)
        # The module's own link: the project the line's product fills.
        self.assertEqual(m2.project_milestone_id.project_id, self.project)
        self.assertEqual(m2.allowed_project_ids, self.project)
        m2.project_milestone_id = m3.project_milestone_id
        self.assertEqual(m2.project_milestone_id, m3.project_milestone_id)
        # The order's project.
        order_project = self.env["project.project"].create(
            {"name": "Order's project", "allow_billable": True}
        )
        order.project_id = order_project
        milestone = self.env["project.milestone"].create(
            {"name": "Handover", "project_id": order_project.id}
        )
        self.assertEqual(m2.allowed_project_ids, self.project | order_project)
        m2.project_milestone_id = milestone
        self.assertEqual(m2.project_milestone_id, milestone)

    def test_project_milestone_link_is_frozen_once_processed(self):
        salesman, order = self._salesman_order()
        m2, m3 = order.order_line.billing_milestone_ids[1:]
        m2.project_milestone_id.is_reached = True
        order._create_invoices()
        self.assertEqual(m2.status, "processed")
        with self.assertRaisesRule(
            UserError,
            r"^Milestone M2 is already processed: its Project Milestone can no "
            r"longer be changed\.$",
        ):
            m2.with_user(salesman).project_milestone_id = m3.project_milestone_id

    def test_a_manual_milestone_added_once_confirmed_gets_a_project_milestone(self):
        order = self._confirmed(self.product_task)
        line = order.order_line
        line.billing_milestone_ids[2].percent = 40
        salesman = new_test_user(
            self.env,
            "smb_pm_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        m4, m5 = (
            self.env["sale.billing.milestone"]
            .with_user(salesman)
            .create(
                [
                    {
                        "sale_line_id": line.id,
                        "name": "M4",
                        "description": "Training",
                        "kind": "manual",
                        "percent": 5,
                    },
                    {
                        "sale_line_id": line.id,
                        "name": "M5",
                        "kind": "days",
                        "percent": 5,
                    },
                ]
            )
        )
        self.assertEqual(m4.project_milestone_id.name, "M4 - Training")
        self.assertEqual(m4.project_milestone_id.project_id, self.project)
        self.assertEqual(m4.project_milestone_id.sale_line_id, line)
        self.assertFalse(m5.project_milestone_id)
        self.assertEqual(len(self.project.milestone_ids.filtered("sale_line_id")), 3)

    def test_odoos_own_milestones_read_their_billing_status(self):
        """A line without schedule is invoiced by Odoo: its project milestones
        read Odoo's quantities, not an empty status."""
        order = self._create_order(project_id=self.project.id)
        order.action_confirm()
        line = order.order_line
        self.assertFalse(line.billing_milestone_ids)
        milestone = self.env["project.milestone"].create(
            {
                "name": "Go-live",
                "project_id": self.project.id,
                "sale_line_id": line.id,
                "quantity_percentage": 1.0,
            }
        )
        unlinked = self.env["project.milestone"].create(
            {"name": "Internal review", "project_id": self.project.id}
        )
        self.assertEqual(milestone.billing_status, "to_process")
        milestone.is_reached = True
        self.assertEqual(milestone.billing_status, "billable")
        self._invoice(order)
        self.assertEqual(milestone.billing_status, "processed")
        self.assertFalse(unlinked.billing_status)
