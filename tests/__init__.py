from . import test_schedule_math
from . import test_product
from . import test_billing_schedule
from . import test_billing_rules
from . import test_exact_money
from . import test_security
from . import test_invoicing
