"""What a door refuses with, for the pages and commands that show the reason: they catch these
names from here and never import `kpi.store` themselves.

- `StoreError`: the database cannot be opened or written (busy, newer than the app, a rule of the
  store); its message is Vietnamese and names what to do.
- `Conflict`: a confirmation made against a version that is no longer current, or a roll-back to
  an older version that must be confirmed (`kind == "rollback"`).
- `PermissionDenied`: the account may not do this.
"""
from kpi.domain.rights import PermissionDenied
from kpi.store.connection import StoreError
from kpi.store.writes import Conflict

__all__ = ["Conflict", "PermissionDenied", "StoreError"]
