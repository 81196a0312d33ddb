"""What every command receives: the catalogue and the database, opened on demand."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kpi.domain.catalog import Catalog, load_catalog
from kpi.domain.figures import Actor
from kpi.settings import Settings

CLI_ACTOR = Actor("cli", role="system")


class UserError(Exception):
    """A problem the user can fix; its message (Vietnamese) is all that is printed."""


@dataclass
class Context:
    settings: Settings
    _catalog: Catalog | None = field(default=None, repr=False)
    _conn: object = field(default=None, repr=False)

    @property
    def db_path(self) -> Path:
        return self.settings.db_path

    @property
    def db_label(self) -> str:
        """The database as shown in messages (a file, or a PostgreSQL URL without password)."""
        return self.settings.db_label

    @property
    def config_path(self) -> Path:
        return self.settings.config_path

    @property
    def uploads_dir(self) -> Path:
        return self.settings.uploads_dir

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.config_path)
        return self._catalog

    @property
    def conn(self):
        if self._conn is None:
            from kpi import store
            self._conn = store.connect(self.settings.db)
            store.sync_catalog(self._conn, self.catalog, CLI_ACTOR,
                               self.config_path.read_text(encoding="utf-8"))
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
