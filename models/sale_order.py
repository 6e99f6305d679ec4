import logging

from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools.schedule import group_by_due_date

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    contract_date = fields.Date(
        copy=False,
        tracking=True,
        help="Base date of Days billing milestones. Set to the confirmation date "
        "when left empty; locked once a milestone of the order is processed.",
    )
    billing_milestone_ids = fields.One2many(
        "sale.billing.milestone", "order_id", string="Billing Milestones"
    )
    billing_milestone_count = fields.Integer(compute="_compute_billing_milestones")
    has_processed_billing_milestone = fields.Boolean(
        compute="_compute_billing_milestones"
    )
    billing_auto_invoice_failed_date = fields.Date(
        string="Automatic Invoicing Failed On",
        copy=False,
        readonly=True,
        help="Last day the daily job failed to invoice the billing milestones of "
        "the order; it tries again the next day.",
    )

    @api.depends("billing_milestone_ids.status")
    def _compute_billing_milestones(self):
        counts = {
            (order.id, status): count
            for order, status, count in self.env["sale.billing.milestone"]._read_group(
                [("order_id", "in", self.ids)], ["order_id", "status"], ["__count"]
            )
        }
        for order in self:
            order.billing_milestone_count = sum(
                counts.get((order.id, status), 0)
                for status in ("to_process", "processed", "hold")
            )
            order.has_processed_billing_milestone = bool(
                counts.get((order.id, "processed"))
            )

    def write(self, vals):
        if "contract_date" in vals:
            self._check_contract_date_unlocked(vals["contract_date"])
        return super().write(vals)

    def _check_contract_date_unlocked(self, new_date):
        locked = self.filtered(
            lambda order: (
                order.has_processed_billing_milestone
                and order.contract_date != fields.Date.to_date(new_date)
            )
        )
        if locked:
            raise UserError(
                self.env._(
                    "The Contract Date of %(orders)s is locked: some of its billing "
                    "milestones are already processed.",
                    orders=", ".join(locked.mapped("name")),
                )
            )

    def action_confirm(self):
        today = fields.Date.context_today(self)
        self.filtered(
            lambda order: not order.contract_date and order.state in ("draft", "sent")
        ).contract_date = today
        return super().action_confirm()

    def action_view_billing_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_milestone_billing.sale_billing_milestone_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action

    # Invoicing

    def _get_invoiceable_billing_milestones(self):
        """Milestones of the orders billable on the invoicing date.

        The invoicing date is today, or ``billing_date`` in the context; the
        context key ``billing_milestone_ids`` narrows the choice further.
        """
        as_of = self.env.context.get("billing_date") or fields.Date.context_today(self)
        Milestones = self.env["sale.billing.milestone"]
        domain = [("order_id", "in", self.ids), *Milestones._get_billable_domain(as_of)]
        if self.env.context.get("billing_milestone_ids") is not None:
            domain.append(("id", "in", self.env.context["billing_milestone_ids"]))
        return Milestones.search(domain)

    def _create_invoices(self, grouped=False, final=False, date=None):
        """One run per due date: milestones sharing one go on the same invoices,
        never with those of another date; the rest of the orders goes with the
        milestones that have none, exactly as Odoo invoices it."""
        milestones = self._get_invoiceable_billing_milestones()._lock_for_invoicing(
            skip_locked=self.env.context.get("billing_skip_locked", False)
        )
        milestones_only = self.env.context.get("billing_milestones_only")
        groups = dict(group_by_due_date(milestones, lambda m: m.due_date))
        if not milestones_only:
            groups.setdefault(None, [])
        moves = self.env["account.move"]
        for due_date, group in groups.items():
            orders = self.with_context(
                billing_invoice_milestone_ids=[m.id for m in group],
                billing_due_date=due_date,
                raise_if_nothing_to_invoice=False,
            )
            moves |= super(SaleOrder, orders)._create_invoices(
                grouped=grouped, final=final, date=date
            )
        if not moves and self.env.context.get("raise_if_nothing_to_invoice", True):
            raise UserError(self._nothing_to_invoice_error_message())
        return moves

    def _get_invoiceable_lines(self, final=False):
        lines = super()._get_invoiceable_lines(final)
        milestone_ids = self.env.context.get("billing_invoice_milestone_ids")
        if milestone_ids is None:
            # Asked outside of _create_invoices: what would be invoiced today.
            milestones = self._get_invoiceable_billing_milestones()
        else:
            milestones = self.env["sale.billing.milestone"].browse(milestone_ids)
        billed_lines = self.order_line & milestones.sale_line_id
        if self.env.context.get("billing_due_date") or self.env.context.get(
            "billing_milestones_only"
        ):
            return billed_lines
        others = lines - self.order_line.filtered("billing_milestone_ids")
        down_payments = others.filtered("is_downpayment")
        return (others - down_payments) | billed_lines | down_payments

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        due_date = self.env.context.get("billing_due_date")
        if due_date:
            # The milestones' due date, not one the payment terms would compute.
            values.update(
                {"invoice_date_due": due_date, "invoice_payment_term_id": False}
            )
        return values

    def _create_account_invoices(self, invoice_vals_list, final):
        """One invoice line per billed milestone, in place of its order line's."""
        milestone_ids = self.env.context.get("billing_invoice_milestone_ids") or []
        milestones = self.env["sale.billing.milestone"].browse(milestone_ids)
        for invoice_vals in invoice_vals_list:
            commands = []
            for command in invoice_vals["invoice_line_ids"]:
                line_id = command[2].get("billing_sale_line_id")
                if not line_id:
                    commands.append(command)
                    continue
                values = dict(command[2])
                del values["billing_sale_line_id"]
                commands += [
                    Command.create(milestone._prepare_invoice_line_values(values))
                    for milestone in milestones
                    if milestone.sale_line_id.id == line_id
                ]
            invoice_vals["invoice_line_ids"] = commands
        return super()._create_account_invoices(invoice_vals_list, final)

    def _nothing_to_invoice_error_message(self):
        message = super()._nothing_to_invoice_error_message()
        waiting = self.billing_milestone_ids.filtered(lambda m: not m.is_billable_now)
        if not waiting:
            return message
        reasons = "\n".join(
            self.env._(
                "   \u2022 %(order)s, %(milestone)s: %(reason)s",
                order=milestone.order_id.name,
                milestone=milestone.display_name,
                reason=milestone.billable_reason,
            )
            for milestone in waiting
        )
        return message + self.env._(
            "\nBilling milestones not billable now:\n%(reasons)s\n", reasons=reasons
        )

    # Automatic invoicing

    @api.model
    def _cron_invoice_billing_milestones(self, batch_size=50):
        """Invoice the billing milestones billable today of the companies that
        ask for it (Sales settings), one batch of orders per call.

        The scheduler commits after each call and calls again while it reports
        orders remaining. An order that fails is left for the next day, so it
        is tried once a day; one whose milestones another transaction is
        invoicing stays for the next call.
        """
        Milestone = self.env["sale.billing.milestone"]
        Milestone._release_expired_holds()
        today = fields.Date.context_today(self)
        orders = self.search(
            [
                (
                    "billing_milestone_ids",
                    "any",
                    [
                        *Milestone._get_billable_domain(today),
                        ("company_id.billing_milestone_auto_invoice", "!=", "off"),
                    ],
                ),
                "|",
                ("billing_auto_invoice_failed_date", "=", False),
                ("billing_auto_invoice_failed_date", "<", today),
            ],
            order="id",
        )
        batch = orders[:batch_size]
        invoiced, failed = batch._auto_invoice_billing_milestones(today)
        # Orders skipped because they are locked are no progress: a batch of
        # them only ends the run instead of spinning on them.
        self.env["ir.cron"]._notify_progress(
            done=len(invoiced) + len(failed), remaining=len(orders) - len(batch)
        )

    def _auto_invoice_billing_milestones(self, as_of):
        """Invoice the milestones of each order billable on ``as_of``, and post
        the invoices if its company says so.

        Each order is invoiced in a savepoint: one that fails is rolled back
        whole, logged and told in its chatter, and the others go on. Return the
        orders invoiced and the orders that failed; an order another
        transaction is invoicing is in neither.
        """
        invoiced, failed = self.browse(), self.browse()
        for order in self:
            company = order.company_id
            try:
                with self.env.cr.savepoint():
                    invoices = (
                        order.with_company(company)
                        .with_context(
                            billing_date=as_of,
                            billing_skip_locked=True,
                            billing_milestones_only=True,
                            raise_if_nothing_to_invoice=False,
                        )
                        ._create_invoices()
                    )
                    if company.billing_milestone_auto_invoice == "post":
                        invoices.action_post()
            except SerializationFailure:
                # Another transaction invoiced the order since this one began:
                # not a failure, the next call sees what it did.
                _logger.info(
                    "Billing milestones of %s changed meanwhile, left for later",
                    order.name,
                )
            except Exception as error:
                # A user error is the order's business; anything else is a bug
                # whose traceback is needed.
                _logger.warning(
                    "Automatic invoicing of the billing milestones of %s failed: %s",
                    order.name,
                    error,
                    exc_info=not isinstance(error, UserError),
                )
                order.message_post(
                    body=self.env._(
                        "Automatic invoicing of the billing milestones failed, "
                        "nothing was invoiced: %(error)s",
                        error=str(error),
                    )
                )
                failed |= order
            else:
                if invoices:
                    invoiced |= order
        failed.billing_auto_invoice_failed_date = as_of
        return invoiced, failed
