from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    billing_milestone_auto_invoice = fields.Selection(
        selection=[
            ("off", "Off"),
            ("draft", "Create drafts"),
            ("post", "Create and post"),
        ],
        string="Automatic Milestone Invoicing",
        required=True,
        default="off",
        help="What the daily job does with the billing milestones billable that "
        "day: nothing, invoice them as drafts, or invoice and post them.",
    )
