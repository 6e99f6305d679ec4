# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.milestone_fields import fields_with
from ..tools.schedule import PERCENT_DIGITS

SCHEDULE_FIELDS = fields_with("schedule")
# Odoo refuses them on an invoice's product line (account.move.line's
# _check_payable_receivable and _check_off_balance).
INVOICE_REFUSED_ACCOUNT_TYPES = ("asset_receivable", "liability_payable", "off_balance")


class SaleBillingMilestoneMixin(models.AbstractModel):
    """What a product's schedule template and an order line's schedule share."""

    _name = "sale.billing.milestone.mixin"
    _inherit = ["analytic.mixin"]
    _description = "Billing Milestone (shared fields and rules)"
    _order = "sequence, id"

    # Counts of days and positions: summed in a pivot they mean nothing.
    sequence = fields.Integer(default=10, aggregator=None)
    currency_id = fields.Many2one("res.currency")
    name = fields.Char(
        string="Milestone",
        required=True,
        help="Short identifier of the milestone, e.g. M1.",
    )
    description = fields.Char(translate=True)
    kind = fields.Selection(
        selection=[("days", "Days"), ("date", "Date"), ("manual", "Manual")],
        required=True,
        default="manual",
        help="Days: billable a number of days after the order's contract date.\n"
        "Date: billable on a fixed date.\n"
        "Manual: billable once reached.",
    )
    days = fields.Integer(
        aggregator=None, help="Days after the contract date (Days milestones)."
    )
    date = fields.Date(help="Date the milestone becomes billable (Date milestones).")
    fixed_amount = fields.Monetary(
        currency_field="currency_id",
        help="Amount to invoice. Set either this or a percent.",
    )
    percent = fields.Float(
        digits=(16, PERCENT_DIGITS),
        # A sum of percents across lines or orders means nothing.
        aggregator=None,
        help="Percent of the line's untaxed net amount to invoice. "
        "Set either this or a fixed amount.",
    )
    latest_kind = fields.Selection(
        selection=[
            ("none", "No"),
            ("days", "Days after Contract"),
            ("date", "On a Date"),
        ],
        string="At the Latest",
        required=True,
        default="none",
        help="A Manual milestone becomes billable once reached or, at the latest, "
        "a number of days after the contract date or on a date: whichever comes "
        "first.",
    )
    latest_days = fields.Integer(
        aggregator=None,
        string="At the Latest (days)",
        help="Days after the contract date on which a Manual milestone becomes "
        "billable, reached or not.",
    )
    latest_date = fields.Date(
        string="At the Latest (date)",
        help="Date on which a Manual milestone becomes billable, reached or not.",
    )
    requires_acceptance = fields.Boolean(
        string="Customer Acceptance",
        help="Once reached, a Manual milestone waits for the customer to accept "
        "it on the portal before it is billable.",
    )
    acceptance_days = fields.Integer(
        aggregator=None,
        string="Deemed Accepted after (days)",
        help="Days after the request after which the daily job accepts the "
        "milestone without an answer; 0: never.",
    )
    due_days = fields.Integer(
        aggregator=None,
        string="Due after (days)",
        help="Invoice due date, in days after the billable date. "
        "Leave 0 to let the payment terms decide.",
    )
    income_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        domain="[('deprecated', '=', False), ('account_type', 'not in', "
        "('asset_receivable', 'liability_payable', 'off_balance'))]",
        help="The account the milestone's invoice line posts to, mapped by the "
        "invoice's fiscal position. Leave empty to post to the income account of "
        "the product or of its category, as Odoo does.",
    )
    analytic_distribution = fields.Json(
        help="The analytic distribution of the milestone's invoice line. Leave "
        "empty to use the order line's."
    )

    is_retention_release = fields.Boolean(
        string="Retention Release",
        help="Bills the retention withheld on the line's invoices, once every "
        "other milestone of the line is invoiced and posted and its own trigger "
        "is met. It has no Fixed Amount or Percent of its own.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # A copy (a duplicated order line) brings the analytic widget's
        # precision, a default that is never stored.
        for vals in vals_list:
            vals.pop("analytic_precision", None)
        self._check_user_fields({name for vals in vals_list for name in vals})
        return super().create(vals_list)

    def write(self, vals):
        self._check_user_fields(vals)
        return super().write(vals)

    def _get_user_fields(self):
        """The fields users may write. The others follow from the product, the
        order, its invoices or the customer, and the module writes them."""
        return SCHEDULE_FIELDS

    def _check_user_fields(self, field_names):
        if self.env.su:
            return
        refused = set(field_names) - self._get_user_fields()
        if refused:
            raise UserError(
                self.env._(
                    "%(model)s: %(fields)s cannot be written. They follow from the "
                    "schedule, the order, its invoices and the customer.",
                    model=self.env["ir.model"]._get(self._name).name,
                    fields=", ".join(
                        sorted(
                            self._fields[name]._description_string(self.env)
                            if name in self._fields
                            else name
                            for name in refused
                        )
                    ),
                )
            )

    def _milestone_label(self):
        """How a rule's message names the milestone."""
        self.ensure_one()
        return self.name or self.env._("(unnamed)")

    def _milestone_labels(self):
        """How a rule's message names the milestones, in one list."""
        return ", ".join(m._milestone_label() for m in self._sorted_by_schedule())

    def _sorted_by_schedule(self):
        """The milestones in schedule order, new ones included, as a message
        lists them."""
        return self.sorted(lambda m: (m.sequence, m._origin.id or 0))

    def _is_reopened_part(self):
        """Whether the milestone is a part a credit note re-opened."""
        return False

    @api.constrains("kind", "fixed_amount", "percent", "is_retention_release")
    def _check_amount_or_percent(self):
        for milestone in self:
            label = milestone._milestone_label()
            if milestone.is_retention_release and not milestone._is_reopened_part():
                if milestone.fixed_amount or milestone.percent:
                    raise ValidationError(
                        self.env._(
                            'Milestone "%(milestone)s": a Retention Release bills '
                            "the retention withheld on the line's invoices; it "
                            "takes no Fixed Amount or Percent of its own.",
                            milestone=label,
                        )
                    )
                continue
            if bool(milestone.fixed_amount) == bool(milestone.percent):
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": set exactly one of Fixed Amount '
                        "and Percent.",
                        milestone=label,
                    )
                )
            if milestone.fixed_amount < 0:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": Fixed Amount must be above 0 '
                        "(got %(amount)s).",
                        milestone=label,
                        amount=milestone.fixed_amount,
                    )
                )
            if milestone.percent and not 0 < milestone.percent <= 100:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": Percent must be above 0 and at '
                        "most 100 (got %(percent)s).",
                        milestone=label,
                        percent=milestone.percent,
                    )
                )

    @api.constrains("kind", "days", "date")
    def _check_kind_values(self):
        for milestone in self:
            if milestone.kind == "days" and milestone.days < 0:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": Days must be 0 or more '
                        "(got %(days)s).",
                        milestone=milestone._milestone_label(),
                        days=milestone.days,
                    )
                )
            if milestone.kind == "date" and not milestone.date:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": a Date milestone needs a Date.',
                        milestone=milestone._milestone_label(),
                    )
                )

    @api.constrains("kind", "latest_kind", "latest_days", "latest_date")
    def _check_latest(self):
        for milestone in self:
            label = milestone._milestone_label()
            if milestone.latest_kind == "none":
                continue
            if milestone.kind != "manual":
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": only a Manual milestone has an '
                        "At the Latest date; a Days or Date milestone is billable "
                        "on its own date.",
                        milestone=label,
                    )
                )
            if milestone.latest_kind == "days" and milestone.latest_days < 0:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": At the Latest (days) must be 0 '
                        "or more (got %(days)s).",
                        milestone=label,
                        days=milestone.latest_days,
                    )
                )
            if milestone.latest_kind == "date" and not milestone.latest_date:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": At the Latest on a date needs '
                        "its At the Latest (date).",
                        milestone=label,
                    )
                )

    @api.constrains("kind", "requires_acceptance", "acceptance_days")
    def _check_acceptance(self):
        for milestone in self:
            if milestone.requires_acceptance and milestone.kind != "manual":
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": only a Manual milestone can '
                        "require Customer Acceptance; a Days or Date milestone is "
                        "billable on its own date.",
                        milestone=milestone._milestone_label(),
                    )
                )
            if milestone.acceptance_days < 0:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": Deemed Accepted after (days) '
                        "must be 0 or more (got %(days)s).",
                        milestone=milestone._milestone_label(),
                        days=milestone.acceptance_days,
                    )
                )

    @api.constrains("income_account_id")
    def _check_income_account(self):
        account_types = dict(
            self.env["account.account"]
            ._fields["account_type"]
            ._description_selection(self.env)
        )
        for milestone in self.filtered("income_account_id"):
            label = milestone._milestone_label()
            account = milestone.income_account_id
            account_name = account.display_name
            company = milestone.company_id
            # A template of a product shared by the companies has no company:
            # each order line keeps the account only for its own company.
            if company and not account.filtered_domain(
                account._check_company_domain(company)
            ):
                company_name = company.display_name
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": its Income Account %(account)s '
                        "is not an account of %(company)s, the milestone's company.",
                        milestone=label,
                        account=account_name,
                        company=company_name,
                    )
                )
            # What Odoo refuses on an invoice's product line, refused upfront.
            if account.account_type in INVOICE_REFUSED_ACCOUNT_TYPES:
                account_type = account_types[account.account_type]
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": its Income Account %(account)s '
                        "is of type %(type)s; an invoice line cannot post to a "
                        "receivable, payable or off-balance sheet account.",
                        milestone=label,
                        account=account_name,
                        type=account_type,
                    )
                )
            if account.deprecated:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": its Income Account %(account)s '
                        "is deprecated; an invoice line cannot post to it.",
                        milestone=label,
                        account=account_name,
                    )
                )

    @api.constrains("due_days")
    def _check_due_days(self):
        for milestone in self:
            if milestone.due_days < 0:
                raise ValidationError(
                    self.env._(
                        'Milestone "%(milestone)s": Due after (days) must be 0 or '
                        "more (got %(days)s).",
                        milestone=milestone._milestone_label(),
                        days=milestone.due_days,
                    )
                )
