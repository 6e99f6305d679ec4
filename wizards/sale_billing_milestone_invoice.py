# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date


class SaleBillingMilestoneInvoice(models.TransientModel):
    _name = "sale.billing.milestone.invoice"
    _description = "Invoice Billing Milestones"

    date = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="Milestones billable on this date are invoiced.",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers")
    order_ids = fields.Many2many(
        "sale.order",
        string="Sales Orders",
        default=lambda self: self._default_order_ids(),
        domain=[("state", "=", "sale")],
    )
    company_id = fields.Many2one(
        "res.company", domain="[('id', 'in', allowed_company_ids)]"
    )
    line_ids = fields.One2many(
        "sale.billing.milestone.invoice.line",
        "wizard_id",
        string="Milestones",
        compute="_compute_line_ids",
        # What the user may read, never more.
        compute_sudo=False,
        store=True,
        readonly=False,
        precompute=True,
    )
    milestone_count = fields.Integer(
        string="Milestones to Invoice", compute="_compute_totals"
    )
    invoice_count = fields.Integer(
        string="Invoices to Create", compute="_compute_totals"
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_totals")
    amount_total = fields.Monetary(
        string="Total to Invoice",
        compute="_compute_totals",
        help="Untaxed amount of the included milestones, converted to one currency "
        "when they have several.",
    )

    def _default_order_ids(self):
        if self.env.context.get("active_model") != "sale.order":
            return self.env["sale.order"]
        orders = self.env["sale.order"].browse(self.env.context.get("active_ids"))
        return orders._filtered_access("read")

    @api.depends("date", "partner_ids", "order_ids", "company_id")
    def _compute_line_ids(self):
        for wizard in self:
            # Ticks survive a change of date or filters.
            include = {line.milestone_id.id: line.include for line in wizard.line_ids}
            # In the order invoicing makes their invoices, one after the other.
            plan = wizard._get_billable_milestones()._get_invoice_plan()
            milestones = [
                milestone
                for __, invoices in plan
                for invoice_milestones in invoices.values()
                for milestone in invoice_milestones
            ]
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "sequence": sequence,
                        "milestone_id": milestone.id,
                        "include": include.get(milestone.id, True),
                    }
                )
                for sequence, milestone in enumerate(milestones)
            ]

    @api.depends("date", "line_ids.include", "line_ids.amount")
    def _compute_totals(self):
        for wizard in self:
            included = wizard.line_ids.filtered("include")
            currency = included.currency_id
            if len(currency) != 1:
                currency = self.env.company.currency_id
            wizard.milestone_count = len(included)
            wizard.invoice_count = sum(
                len(invoices)
                for _due_date, invoices in included.milestone_id._get_invoice_plan()
            )
            wizard.currency_id = currency
            wizard.amount_total = sum(
                line.currency_id._convert(
                    line.amount,
                    currency,
                    line.company_id,
                    wizard.date or fields.Date.context_today(wizard),
                )
                for line in included
            )

    def _get_billable_milestones(self):
        """Milestones the filters let through, billable on the wizard's date:
        those of confirmed orders the user may read, as
        ``sale.order._invoice_billing_milestones`` bills them."""
        self.ensure_one()
        if not self.date:
            return self.env["sale.billing.milestone"]
        domain = self.env["sale.billing.milestone"]._get_billable_domain(self.date)
        if self.partner_ids:
            domain.append(("partner_id", "child_of", self.partner_ids.ids))
        if self.company_id:
            domain.append(("company_id", "=", self.company_id.id))
        if self.order_ids:
            domain.append(("order_id", "in", self.order_ids.ids))
        return self.env["sale.billing.milestone"].search(domain)

    def action_create_invoices(self):
        return self._action_view_invoices(self._create_milestone_invoices())

    def action_create_and_post_invoices(self):
        return self._action_view_invoices(self._create_milestone_invoices(post=True))

    def _action_view_invoices(self, invoices):
        """The invoices in a list, or in a form when there is one."""
        orders = invoices.invoice_line_ids.sale_line_ids.order_id
        return orders.action_view_invoice(invoices)

    def _create_milestone_invoices(self, post=False):
        """The invoices of the included milestones, as the preview shows them:
        nothing else of their orders is billed."""
        self.ensure_one()
        milestones = self.line_ids.filtered("include").milestone_id
        if not self.line_ids:
            raise UserError(
                self.env._(
                    "No billing milestone is billable as of %(date)s with these "
                    "filters: there is nothing to invoice.",
                    date=format_date(self.env, self.date),
                )
            )
        if not milestones:
            raise UserError(
                self.env._(
                    "No billing milestone is included, so there is nothing to "
                    "invoice. Tick Include on the milestones to invoice."
                )
            )
        return milestones.order_id._invoice_billing_milestones(
            self.date, milestones=milestones, whole_orders=False, post=post
        )
