from . import run_state
from . import schedule
