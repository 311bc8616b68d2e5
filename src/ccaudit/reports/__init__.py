"""Reports an auditor hands in: checklist workbook, PDF/HTML, JSON/CSV, OSCAL, comparisons.

Every report is rendered from a `ReportData` (model.py) built from stored results only:
`from_result_dir` (a plain inspection) or `from_audit` (an annual audit's snapshot).
"""
