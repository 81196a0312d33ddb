"""What the app has recorded, read for the pages that show it: the accounts, the quarter closures
and reopenings, the audit log and the versions of a unit-month. Read-only; pages reach the store
only through doors like these (`tests/test_layers.py`)."""
from kpi.store.accounts import audit_rows, closed_quarters, list_accounts
from kpi.store.reads import upload_history

__all__ = ["audit_rows", "closed_quarters", "list_accounts", "upload_history"]
