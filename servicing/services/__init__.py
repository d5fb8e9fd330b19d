"""The paying agent's use cases (servicing/services/*.py), re-exported: pages, the API and
the sweep call them as servicing.services.<name>."""

from .actions import action_approve, action_cancel, action_declare, action_move, actions_from_schedule
from .payments import batch_decided, lines_mark_paid, payment_file, payment_run
from .record import record_close
from .sweep import servicing_sweep

__all__ = ["action_approve", "action_cancel", "action_declare", "action_move", "actions_from_schedule",
           "batch_decided", "lines_mark_paid", "payment_file", "payment_run", "record_close",
           "servicing_sweep"]
