"""Reports: one report value (:mod:`.report`) and its renderers (text and CSV, PDF).

The PDF renderer (:mod:`.pdf`) is imported from its module, so that reading a report as
text or CSV never loads fpdf.
"""

from .render import french_date, report_csv, report_text
from .report import AccountLine, ChangeLine, CohortLine, FailureLine, Report, build_report

__all__ = [
    "AccountLine",
    "ChangeLine",
    "CohortLine",
    "FailureLine",
    "Report",
    "build_report",
    "french_date",
    "report_csv",
    "report_text",
]
