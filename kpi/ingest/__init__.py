"""The monthly Excel upload path: safety checks, parsing, validation, import, annotation.

Public API (the upload page and the CLI call only these):
`Problem`, `CheckResult`, `check_workbook`, `ImportResult`, `import_workbook`,
`annotate_workbook`, `preview_figures`.
"""
from .check import CheckResult, check_workbook
from .problems import Problem

__all__ = ["Problem", "CheckResult", "check_workbook"]
