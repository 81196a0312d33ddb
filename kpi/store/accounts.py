"""Accounts, quarter closures (with their frozen result), catalogue versions, the audit log's
filtered read. Each write one transaction, rights checked inside it, audited."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from kpi.domain.figures import Actor
from kpi.domain.rights import ROLES, PermissionDenied, authorize
from kpi.store.connection import Conn, StoreError, first_row, lock_names, now, transaction
from kpi.store.reads import data_version
from kpi.store.schema import WRITE_LOCK
from kpi.store.writes import _audit, audit, current_closure, quarter_lock


@dataclass(frozen=True)
class Account:
    login: str
    name: str
    role: str
    units: tuple[str, ...]
    active: bool
    demo: bool
    password_hash: str
    commune: str | None = None    # None: every commune

    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.login, self.units, self.commune)


def _guarded(conn: Conn, actor: Actor, action: str, commune: str | None, unit: str | None = None) -> None:
    try:
        authorize(actor, action, commune or "", unit)
    except PermissionDenied as e:
        audit(conn, actor, "refused_rights", commune, {"action": action, "reason": str(e)})
        raise


def get_account(conn: Conn, login: str) -> Account | None:
    rows = conn.execute("SELECT login, name, role, active, demo, password_hash, commune FROM accounts "
                        "WHERE login = ?", [login]).fetchall()
    if not rows:
        return None
    units = tuple(r[0] for r in conn.execute(
        "SELECT unit FROM account_units WHERE login = ? ORDER BY unit", [login]).fetchall())
    login_, name, role, active, demo, pw, commune = rows[0]
    return Account(login_, name, role, units, bool(active), bool(demo), pw, commune)


def list_accounts(conn: Conn) -> list[Account]:
    logins = [r[0] for r in conn.execute("SELECT login FROM accounts ORDER BY login").fetchall()]
    return [a for a in (get_account(conn, x) for x in logins) if a is not None]


def create_account(conn: Conn, actor: Actor, login: str, name: str, role: str, units: tuple[str, ...],
                   password_hash: str, demo: bool = False, commune: str | None = None) -> None:
    """A new account; with `commune` it sees and writes only that commune (an administrator of one
    commune creates accounts of that commune only)."""
    _guarded(conn, actor, "manage_accounts", commune)
    if actor.commune is not None and commune != actor.commune:
        err = PermissionDenied(f"Tài khoản «{actor.who}» chỉ tạo được tài khoản của xã {actor.commune}.")
        audit(conn, actor, "refused_rights", commune, {"action": "manage_accounts", "reason": str(err)})
        raise err
    if role not in ROLES:
        raise StoreError(f"Vai trò «{role}» không hợp lệ. Các vai trò: {', '.join(ROLES)}.")
    with WRITE_LOCK, transaction(conn):
        if conn.execute("SELECT 1 FROM accounts WHERE login = ?", [login]).fetchall():
            raise StoreError(f"Tên đăng nhập «{login}» đã có.")
        stamp = now()
        conn.execute("INSERT INTO accounts (login, name, role, password_hash, active, demo, created_at, "
                     "updated_at, commune) VALUES (?, ?, ?, ?, TRUE, ?, ?, ?, ?)",
                     [login, name, role, password_hash, demo, stamp, stamp, commune]).fetchall()
        for unit in units:
            conn.execute("INSERT INTO account_units VALUES (?, ?)", [login, unit]).fetchall()
        _audit(conn, actor, "account_add", commune, {"login": login, "role": role, "units": list(units),
                                                      "commune": commune})


def set_password(conn: Conn, actor: Actor, login: str, password_hash: str) -> None:
    _guarded(conn, actor, "manage_accounts", None)
    with WRITE_LOCK, transaction(conn):
        if not conn.execute("SELECT 1 FROM accounts WHERE login = ?", [login]).fetchall():
            raise StoreError(f"Không có tài khoản «{login}».")
        conn.execute("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE login = ?",
                     [password_hash, now(), login]).fetchall()
        _audit(conn, actor, "account_passwd", None, {"login": login})


def set_active(conn: Conn, actor: Actor, login: str, active: bool) -> None:
    _guarded(conn, actor, "manage_accounts", None)
    with WRITE_LOCK, transaction(conn):
        if not conn.execute("SELECT 1 FROM accounts WHERE login = ?", [login]).fetchall():
            raise StoreError(f"Không có tài khoản «{login}».")
        conn.execute("UPDATE accounts SET active = ?, updated_at = ? WHERE login = ?",
                     [active, now(), login]).fetchall()
        _audit(conn, actor, "account_enable" if active else "account_disable", None, {"login": login})


def real_uploads(conn: Conn) -> int:
    """Uploads that are not demo data (a database with these never gets demo accounts)."""
    return int(first_row(conn.execute("SELECT count(*) FROM uploads WHERE source <> 'demo'"))[0])


# --- catalogue versions and closures -----------------------------------------------------------

def latest_catalog_version(conn: Conn, commune: str) -> tuple[int, str, str] | None:
    """(id, sha256, text) of the catalogue version kept last."""
    rows = conn.execute("SELECT id, sha256, text FROM catalog_versions WHERE commune = ? ORDER BY id DESC LIMIT 1",
                        [commune]).fetchall()
    return rows[0] if rows else None


def catalog_version(conn: Conn, version_id: int) -> tuple[int, str, str]:
    rows = conn.execute("SELECT id, sha256, text FROM catalog_versions WHERE id = ?", [version_id]).fetchall()
    if not rows:
        raise StoreError(f"Không tìm thấy phiên bản danh mục {version_id}.")
    return rows[0]


def close_quarter(conn: Conn, actor: Actor, commune: str, quarter: str, figures: pd.DataFrame,
                  score: dict, read_at_version: str | None = None) -> int:
    """Close `quarter`: its months refuse uploads; its figures and score as scored now are kept with
    the catalogue version used. `figures` must be the quarter's current figures, read when the
    commune's data version was `read_at_version`: an upload stored since (another process, on a
    server) refuses the closing rather than freezing figures that are no longer current."""
    _guarded(conn, actor, "close_quarter", commune)
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [quarter_lock(commune, quarter)])
        if current_closure(conn, commune, quarter) is not None:
            raise StoreError(f"Quý {quarter} đã khoá sổ rồi.")
        if read_at_version is not None and data_version(conn, commune) != read_at_version:
            raise StoreError(f"Số liệu của xã vừa thay đổi trong lúc khoá sổ quý {quarter} (có lần gửi số liệu "
                             "mới); chưa khoá sổ. Hãy xem lại điểm rồi khoá sổ lại.")
        version = latest_catalog_version(conn, commune)
        if version is None:
            raise StoreError("Chưa lưu phiên bản danh mục chỉ tiêu nào; không khoá sổ được.")
        cid = first_row(conn.execute("SELECT nextval('closure_id_seq')"))[0]
        frozen = figures.drop(columns=[c for c in ("upload_id",) if c in figures.columns])
        conn.execute("INSERT INTO quarter_closures (id, commune, quarter, closed_at, closed_by, catalog_version, "
                     "figures, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [cid, commune, quarter, now(), actor.who, version[0],
                      frozen.to_json(orient="records", force_ascii=False),
                      json.dumps(score, ensure_ascii=False)]).fetchall()
        _audit(conn, actor, "close_quarter", commune,
               {"quarter": quarter, "catalog_version": version[0], "figures": len(frozen)}, period=quarter)
        return int(cid)


def reopen_quarter(conn: Conn, actor: Actor, commune: str, quarter: str, reason: str) -> None:
    _guarded(conn, actor, "reopen_quarter", commune)
    if not reason or not reason.strip():
        err = PermissionDenied("Mở lại quý đã khoá sổ cần ghi rõ lý do.")
        audit(conn, actor, "refused_rights", commune, {"action": "reopen_quarter", "reason": str(err)},
              period=quarter)
        raise err
    with WRITE_LOCK, transaction(conn):
        lock_names(conn, [quarter_lock(commune, quarter)])
        closing = current_closure(conn, commune, quarter)
        if closing is None:
            raise StoreError(f"Quý {quarter} chưa khoá sổ.")
        conn.execute("UPDATE quarter_closures SET reopened_at = ?, reopened_by = ?, reopen_reason = ? WHERE id = ?",
                     [now(), actor.who, reason.strip(), closing[5]]).fetchall()
        _audit(conn, actor, "reopen_quarter", commune, {"quarter": quarter, "reason": reason.strip()},
               period=quarter)


def frozen_quarter(conn: Conn, commune: str, quarter: str) -> dict | None:
    """The frozen result of a closed quarter: closed_at, closed_by, catalog_version (id, sha256,
    text), figures (DataFrame); None when the quarter is open."""
    closing = current_closure(conn, commune, quarter)
    if closing is None:
        return None
    version = catalog_version(conn, closing[2])
    figures = pd.read_json(__import__("io").StringIO(closing[3]), orient="records", dtype=False)
    if figures.empty:
        figures = pd.DataFrame(columns=["unit", "period", "indicator_id", "numerator", "denominator",
                                        "value", "note"])
    for col in ("numerator", "denominator", "value"):
        figures[col] = pd.to_numeric(figures[col], errors="coerce").astype("float64")
    figures["period"] = figures["period"].astype(str)
    return {"closed_at": closing[0], "closed_by": closing[1], "catalog_version": version[0],
            "catalog_sha256": version[1], "catalog_text": version[2], "figures": figures,
            "score": json.loads(closing[4])}


def closures_version(conn: Conn, commune: str) -> str:
    """Changes with every close and reopen: with the data version, the cache key for reads."""
    n, reopened = first_row(conn.execute(
        "SELECT count(*), count(reopened_at) FROM quarter_closures WHERE commune = ?", [commune]))
    return f"{n}:{reopened}"


def closed_now(conn: Conn, quarters: list[str]) -> list[tuple[str, str]]:
    """(commune, quarter) of every quarter among `quarters` that is closed now, in any commune."""
    marks = ", ".join("?" * len(quarters)) or "NULL"
    return [(str(c), str(q)) for c, q in conn.execute(
        f"SELECT DISTINCT commune, quarter FROM quarter_closures WHERE reopened_at IS NULL AND quarter IN ({marks}) "
        "ORDER BY commune, quarter", list(quarters)).fetchall()]


def closed_quarters(conn: Conn, commune: str) -> pd.DataFrame:
    return conn.execute("SELECT quarter, closed_at, closed_by, catalog_version, reopened_at, reopened_by, "
                        "reopen_reason FROM quarter_closures WHERE commune = ? ORDER BY id DESC", [commune]).df()


def audit_rows(conn: Conn, commune: str | None = None, actor: str | None = None, unit: str | None = None,
               period: str | None = None, action: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """The audit log, newest first, filtered (a period filter of a quarter matches its months)."""
    sql = ("SELECT happened_at, actor, action, unit, period, file_sha256, detail FROM audit_log WHERE 1=1")
    params: list = []
    if commune is not None:
        sql += " AND (commune = ? OR commune IS NULL)"
        params.append(commune)
    for col, val in (("actor", actor), ("unit", unit), ("action", action)):
        if val:
            sql += f" AND {col} = ?"
            params.append(val)
    if period:
        months = _months_of(period)
        sql += f" AND (period = ? OR period IN ({', '.join('?' * len(months))}))"
        params += [period, *months]
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return conn.execute(sql, params).df()


def _months_of(period: str) -> list[str]:
    if "-Q" in period:
        year, q = period.split("-Q")
        return [f"{year}-{3 * (int(q) - 1) + k:02d}" for k in (1, 2, 3)]
    return [period]
