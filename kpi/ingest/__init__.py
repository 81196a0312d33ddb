"""The monthly Excel upload path: safety checks, parsing, validation, import, annotation.

Public API (the upload page and the CLI call only these):
`Problem`, `CheckResult`, `check_workbook`, `ImportResult`, `import_workbook`,
`annotate_workbook`, `preview_figures` (and `FileRefused`, raised by `annotate_workbook`
for a file that is not a readable workbook).
"""
from .annotate import annotate_workbook
from .check import CheckResult, check_workbook
from .importer import ImportResult, import_workbook
from .preview import preview_figures
from .problems import FileRefused, Problem

__all__ = ["Problem", "CheckResult", "check_workbook", "ImportResult", "import_workbook",
           "annotate_workbook", "preview_figures", "FileRefused"]
