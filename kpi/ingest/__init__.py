"""The monthly Excel upload path: safety checks, parsing, validation, annotation. Never touches
the store: storing a checked file and comparing it with the stored figures are use cases
(`kpi.usecases.importing.import_workbook`, `kpi.usecases.preview.preview_figures`).

Public API (the upload page and the CLI call only these):
`Problem`, `CheckResult`, `HalfPair`, `check_workbook`, `annotate_workbook` (and `FileRefused`, raised by
`annotate_workbook` for a file that is not a readable workbook).
"""
from kpi.ingest.annotate import annotate_workbook
from kpi.ingest.check import CheckResult, HalfPair, check_workbook
from kpi.ingest.problems import FileRefused, Problem

__all__ = ["Problem", "CheckResult", "HalfPair", "check_workbook", "annotate_workbook", "FileRefused"]
