from . import sale_billing_milestone_invoice
from . import sale_billing_milestone_invoice_line
from . import sale_billing_milestone_hold
from . import sale_billing_milestone_replan
from . import account_move_reversal
