"""The root-cause report for service leads: what keeps going wrong, where, and is it getting better?

``report_records`` normalises validated rows, ``build_report`` builds every table (pure), and
:mod:`pipeline.report.render` turns the result into a self-contained HTML page and workbook sheets.
"""

from pipeline.report.build import Report, build_report
from pipeline.report.records import ReportError, ReportRecords, report_records

__all__ = ["Report", "build_report", "ReportError", "ReportRecords", "report_records"]
