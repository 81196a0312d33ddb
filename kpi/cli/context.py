"""What every command receives: the catalogue and the database, opened on demand."""
from __future__ import annotations

import datetime as dt
import errno
from dataclasses import dataclass, field
from pathlib import Path

from kpi.domain.catalog import Catalog
from kpi.domain.city import City, load_city
from kpi.domain.figures import Actor
from kpi.settings import Settings
from kpi.settings import today as settings_today

CLI_ACTOR = Actor("cli", role="system")


class UserError(Exception):
    """A problem the user can fix; its message (Vietnamese) is all that is printed."""


def not_written(out: Path, error: OSError) -> UserError:
    """Why a command's output file was not written (its temporary file already removed): a full
    disk says so in words, anything else names the system's reason."""
    if error.errno == errno.ENOSPC:
        return UserError(f"Ổ đĩa đã đầy: chưa lưu tệp «{out}» (không để lại tệp dở nào). "
                         "Giải phóng chỗ trên ổ đĩa rồi chạy lại.")
    return UserError(f"Không ghi được tệp «{out}»: {error.strerror or error}.")


def add_as_of(parser, what: str = "tính") -> None:
    """The `--as-of` option of a command that judges the record on a day."""
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                        help=f"{what} như vào cuối ngày này (mặc định: hôm nay): số liệu gửi sau ngày đó không "
                             "được tính, tháng chưa đến hạn báo cáo không bị trừ điểm")


def as_of_of(args, ctx: Context) -> dt.date:
    """The day a command judges the record on: `--as-of`, else today (read once per command)."""
    text = getattr(args, "as_of", None)
    if text is None:
        return ctx.today
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--as-of «{text}» không phải ngày dạng năm-tháng-ngày, ví dụ 2026-11-23.") from None


@dataclass
class Context:
    settings: Settings
    commune: str | None = None       # --commune: the commune a command works in (None: the only one)
    # the one reading of the clock per command: the day a command judges the record on
    today: dt.date = field(default_factory=settings_today)
    reads_only: bool = False         # a read command (`score`): the store is never written, catalogue included
    unrecorded: set[str] = field(default_factory=set)   # reads_only: communes whose file catalogue the store lacks
    _catalog: Catalog | None = field(default=None, repr=False)
    _city: City | None = field(default=None, repr=False)
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
    def city(self) -> City:
        """The city file (or the one-commune catalogue as a city of one commune)."""
        if self._city is None:
            self._city = load_city(self.config_path)
        return self._city

    def stored_city(self) -> City:
        """The city with the communes the database holds beyond the file (e.g. a demo of many)."""
        from kpi.usecases.city import city_with_stored
        return city_with_stored(self.conn, self.city)

    @property
    def catalog(self) -> Catalog:
        """The catalogue of the commune the command works in: `--commune`, else the only one."""
        if self._catalog is None:
            city = self.city
            if self.commune is None:
                if not city.single:
                    raise UserError("Danh mục có nhiều xã: cần --commune MÃ_XÃ (các mã: "
                                    + ", ".join(city.codes) + ").")
                self._catalog = city.base
            else:
                code = self.commune.strip().upper()
                if city.single and code == city.base.commune:
                    self._catalog = city.base
                else:
                    city = city if city.has(code) else self.stored_city()
                    if not city.has(code):
                        raise UserError(f"Không có xã mã «{self.commune}» trong danh mục và cơ sở dữ liệu. "
                                        "Các mã: " + ", ".join(city.codes))
                    self._catalog = city.catalog_for(code)
        return self._catalog

    @property
    def conn(self):
        """The database, with each commune's catalogue from the file kept as a version when it changed
        (nothing written when it did not). A read command (`reads_only`) writes nothing at all: a
        catalogue that differs from the store's only lands in `unrecorded`, and the command works
        with the file's catalogue."""
        if self._conn is None:
            from kpi import store
            self._conn = store.connect(self.settings.db)
            city = self.city
            for code in city.codes:
                catalog, text = city.catalog_for(code), city.catalog_text_for(code)
                if not self.reads_only:
                    store.sync_catalog(self._conn, catalog, CLI_ACTOR, text)
                elif store.catalog_changes(self._conn, catalog, text):
                    self.unrecorded.add(code)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
