from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import index_exists

LIVE_MILESTONE_INDEX = "account_move_line_billing_milestone_live_uniq"


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    billing_milestone_id = fields.Many2one(
        "sale.billing.milestone",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The billing milestone this invoice line bills.",
    )
    billing_milestone_credited = fields.Boolean(
        copy=False,
        readonly=True,
        help="A credit note reversed this line in full: its milestone can be "
        "invoiced again.",
    )
    reversed_billing_milestone_id = fields.Many2one(
        "sale.billing.milestone",
        string="Credited Billing Milestone",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The billing milestone whose invoice line this credit note line reverses.",
    )

    def init(self):
        res = super().init()
        # The database, not only Python, keeps a milestone on one live invoice.
        if not index_exists(self.env.cr, LIVE_MILESTONE_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s "
                    "ON account_move_line (billing_milestone_id) "
                    "WHERE billing_milestone_id IS NOT NULL "
                    "AND parent_state != 'cancel' "
                    "AND billing_milestone_credited IS NOT TRUE",
                    SQL.identifier(LIVE_MILESTONE_INDEX),
                )
            )
        return res

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("billing_milestone_id") for vals in vals_list):
            # The unique index must see the lines cancelled or credited so far.
            self.flush_model(["parent_state", "billing_milestone_credited"])
        lines = super().create(vals_list)
        lines._get_billing_milestones()._sync_invoice_status()
        return lines

    def unlink(self):
        milestones = self._get_billing_milestones()
        res = super().unlink()
        milestones.exists()._sync_invoice_status()
        return res

    def _get_billing_milestones(self):
        return self.billing_milestone_id | self.reversed_billing_milestone_id

    def _copy_data_extend_business_fields(self, values):
        # A reversal keeps track of the milestone it credits.
        res = super()._copy_data_extend_business_fields(values)
        values["reversed_billing_milestone_id"] = self.billing_milestone_id.id
        return res
