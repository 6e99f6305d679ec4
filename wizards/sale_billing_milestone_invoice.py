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
        return self.env["sale.order"].browse(self.env.context.get("active_ids"))

    @api.depends("date", "partner_ids", "order_ids", "company_id")
    def _compute_line_ids(self):
        for wizard in self:
            # Ticks survive a change of date or filters.
            include = {line.milestone_id.id: line.include for line in wizard.line_ids}
            milestones = wizard._get_billable_milestones()
            lines = self.env["sale.billing.milestone.invoice.line"]
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "sequence": sequence,
                        "milestone_id": milestone.id,
                        "include": include.get(milestone.id, True),
                    }
                )
                for sequence, milestone in enumerate(lines._sort_milestones(milestones))
            ]

    @api.depends("date", "line_ids.include", "line_ids.amount")
    def _compute_totals(self):
        for wizard in self:
            included = wizard.line_ids.filtered("include")
            currency = included.currency_id
            if len(currency) != 1:
                currency = self.env.company.currency_id
            wizard.milestone_count = len(included)
            wizard.invoice_count = len(
                {line._get_invoice_grouping_key() for line in included}
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
        """Milestones of confirmed orders the filters let through, billable on
        the wizard's date: the same that ``sale.order._create_invoices`` bills."""
        self.ensure_one()
        if not self.date:
            return self.env["sale.billing.milestone"]
        filters = []
        if self.partner_ids:
            filters.append(("partner_id", "child_of", self.partner_ids.ids))
        if self.company_id:
            filters.append(("company_id", "=", self.company_id.id))
        if self.order_ids:
            orders = self.order_ids.with_context(billing_date=self.date)
            return orders._get_invoiceable_billing_milestones().filtered_domain(filters)
        milestones = self.env["sale.billing.milestone"]
        return milestones.search(
            [*milestones._get_billable_domain(self.date), *filters]
        )

    def action_create_invoices(self):
        return self._action_view_invoices(self._create_milestone_invoices())

    def action_create_and_post_invoices(self):
        invoices = self._create_milestone_invoices()
        invoices.action_post()
        return self._action_view_invoices(invoices)

    def _action_view_invoices(self, invoices):
        """The invoices in a list, or in a form when there is one."""
        orders = invoices.invoice_line_ids.sale_line_ids.order_id
        return orders.action_view_invoice(invoices)

    def _create_milestone_invoices(self):
        """Draft invoices of the included milestones, grouped as the preview shows:
        nothing else of their orders is billed."""
        self.ensure_one()
        milestones = self.line_ids.filtered("include").milestone_id
        if not milestones:
            raise UserError(
                self.env._(
                    "No billing milestone is included, so there is nothing to "
                    "invoice. Tick Include on the milestones to invoice."
                )
            )
        invoices = milestones.order_id.with_context(
            billing_date=self.date,
            billing_milestone_ids=milestones.ids,
            billing_milestones_only=True,
        )._create_invoices()
        missed = milestones - invoices.invoice_line_ids.billing_milestone_id
        if missed:
            raise UserError(
                self.env._(
                    "Billing milestone %(milestones)s of %(orders)s can no longer "
                    "be invoiced as of %(date)s: it changed since the preview was "
                    "made. Open Invoice Milestones again.",
                    milestones=", ".join(missed.mapped("display_name")),
                    orders=", ".join(missed.order_id.mapped("name")),
                    date=format_date(self.env, self.date),
                )
            )
        return invoices
