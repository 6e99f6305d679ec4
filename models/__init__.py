# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import sale_billing_milestone_mixin
from . import sale_billing_milestone_template
from . import sale_billing_milestone_acceptance
from . import sale_billing_milestone
from . import sale_billing_milestone_hold
from . import sale_billing_milestone_reopen
from . import sale_billing_milestone_customer_acceptance
from . import sale_billing_milestone_billability
from . import sale_billing_milestone_retention
from . import product_template
from . import product_product
from . import sale_order
from . import sale_order_line
from . import sale_order_line_retention
from . import sale_order_retention
from . import account_move
from . import account_move_line
from . import account_analytic_distribution_model
from . import project_milestone
from . import res_company
from . import res_config_settings
from . import account_chart_template
