"""The plugin's ledger: SQLAlchemy tables, Alembic migrations, and the ``Ledger`` facade."""

from .journal import LedgerJournal
from .ledger import Ledger
from .records import PersonRecord, PlanRecord, RunRecord, SchoolRecord

__all__ = ["Ledger", "LedgerJournal", "PersonRecord", "PlanRecord", "RunRecord", "SchoolRecord"]
