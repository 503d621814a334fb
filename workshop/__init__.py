"""workshop: the domain of a customer-chain workshop (no user interface here).

from workshop import Workshop
ws = Workshop.create("q3.db", title="Q3 customer chain")
"""

from .errors import FileBusy, NotFound, PlanError, Removed, VoteRejected, WorkshopError
from .lead import Lead, LeadTaken, NotLeading
from .model import Group, Info
from .store import Workshop

__version__ = "0.1.0"
__all__ = [
    "FileBusy",
    "Group",
    "Info",
    "Lead",
    "LeadTaken",
    "NotFound",
    "NotLeading",
    "PlanError",
    "Removed",
    "VoteRejected",
    "Workshop",
    "WorkshopError",
    "__version__",
]
