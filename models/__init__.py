from . import sale_billing_milestone_mixin
from . import sale_billing_milestone_template
from . import sale_billing_milestone
from . import product_template
from . import product_product
from . import sale_order
from . import sale_order_line
