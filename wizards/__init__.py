# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import sale_billing_milestone_invoice
from . import sale_billing_milestone_invoice_line
from . import sale_billing_milestone_hold
from . import sale_billing_milestone_replan
from . import account_move_reversal
from . import sale_make_invoice_advance
