"""The monthly Excel upload path: safety checks, parsing, validation, import, annotation.

Public API (the upload page and the CLI call only these):
`Problem`, `CheckResult`, `check_workbook`, `ImportResult`, `import_workbook`,
`annotate_workbook`, `preview_figures` (and `FileRefused`, raised by `annotate_workbook`
for a file that is not a readable workbook).
"""
from kpi.ingest.annotate import annotate_workbook
from kpi.ingest.check import CheckResult, check_workbook
from kpi.ingest.importer import ImportResult, import_workbook
from kpi.ingest.preview import preview_figures
from kpi.ingest.problems import FileRefused, Problem

__all__ = ["Problem", "CheckResult", "check_workbook", "ImportResult", "import_workbook",
           "annotate_workbook", "preview_figures", "FileRefused"]
