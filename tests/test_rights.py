"""Who may change what: accounts and hashing, roles and own units, closing a quarter (frozen
score), stale confirms and roll-backs, and the audit rows of each — core and CLI in-process."""
from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest

from kpi import store
from kpi.cli.main import main
from kpi.domain.figures import Actor, Figure, Submission
from kpi.domain.rights import PermissionDenied
from kpi.store.accounts import audit_rows, get_account
from kpi.store.schema import MIGRATIONS
from kpi.store.writes import Conflict
from kpi.usecases import accounts
from kpi.usecases.closing import close, reopen
from kpi.usecases.period_result import period_result
from tests.common import CONFIG, DEMO_PASSWORD_TEST, SYSTEM, TODAY, add_user
from tests.ingest_helpers import filled

pytestmark = pytest.mark.both_engines  # the store-level tests run on DuckDB and PostgreSQL

PERIOD = "2024-06"   # Q2/2024
ADMIN = Actor("Quản trị", "admin", "quantri")
OFFICE = Actor("Văn phòng", "office", "vanphong")


@pytest.fixture(autouse=True)
def _fast_failed_logins(monkeypatch):
    monkeypatch.setattr(accounts, "FAILED_LOGIN_DELAY", 0.01)


def sub(unit="TTPVHCC", period=PERIOD, num=370.0):
    return Submission("THAITAN", unit, period, (Figure("DVC_HS_TRUC_TUYEN", num, 412.0),),
                      file_name=f"{unit}.xlsx", sha256=None, size=1)


def uploads(conn):
    return conn.execute("SELECT id, unit, period, version, status, submitted_by FROM uploads ORDER BY id").fetchall()


def actions(conn):
    return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]


def cli(db, *args, stdin: str | None = None, config=None):
    argv = ["--db", str(db)] + (["--config", str(config)] if config else []) + list(args)
    old = sys.stdin
    sys.stdin = io.StringIO(stdin if stdin is not None else "")
    try:
        return main(argv)
    finally:
        sys.stdin = old


# --- schema ------------------------------------------------------------------------------------

def test_a_version_1_database_migrates_and_keeps_its_data(tmp_path):
    import duckdb
    db = tmp_path / "v1.duckdb"
    raw = duckdb.connect(str(db))
    raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    for stmt in MIGRATIONS[1]:
        raw.execute(stmt)
    raw.execute("INSERT INTO schema_version VALUES (1, now())")
    raw.execute("INSERT INTO uploads VALUES (1, 'THAITAN', 'CA', '2024-06', 'a.xlsx', NULL, 'c', 1, "
                "'Chị Lan', '2024-07-01 08:00:00', 'accepted', 1, NULL, 'excel', NULL)")
    raw.execute("INSERT INTO audit_log VALUES (1, now(), 'Chị Lan', 'record_submission', 'THAITAN', '{}')")
    raw.close()
    conn = store.connect(db)
    # 2 (accounts), 3 (evidence), 4 (account communes), 5–6 (kept scores, gone), 7 (task register),
    # 8 (sign-in counters, secrets), 10 (explanations, the city's appraisal, evidence documents' fields),
    # 11 (web sessions)
    assert store.schema_version(conn) == store.SCHEMA_VERSION == max(MIGRATIONS)
    assert uploads(conn) == [(1, "CA", "2024-06", 1, "accepted", "Chị Lan")]
    assert conn.execute("SELECT actor, unit, period, file_sha256 FROM audit_log").fetchall() == \
        [("Chị Lan", None, None, None)]
    for table in ("accounts", "account_units", "catalog_versions", "quarter_closures", "evidence_items",
                  "evidence_reviews", "tasks", "task_updates", "task_sources"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    conn.close()


def test_the_catalogue_text_is_kept_once_per_version(conn):
    text = CONFIG.read_text(encoding="utf-8")
    rows = conn.execute("SELECT id, text FROM catalog_versions").fetchall()
    assert rows == [(1, text)]
    store.sync_catalog(conn, __import__("kpi.domain.catalog", fromlist=["x"]).load_catalog(CONFIG), SYSTEM, text)
    assert conn.execute("SELECT count(*) FROM catalog_versions").fetchone()[0] == 1
    assert actions(conn).count("catalog_version") == 1


# --- accounts, hashing, login ------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2_and_never_stored_in_clear(conn, catalog):
    accounts.add_user(conn, catalog, SYSTEM, "Lan", "coordinator", ["ca"], "Chị Lan", "bi-mat-123")
    acc = get_account(conn, "lan")
    assert acc.units == ("CA",) and acc.role == "coordinator" and acc.active
    assert acc.password_hash.startswith("$argon2id$") and "bi-mat-123" not in acc.password_hash
    assert accounts.password_matches(acc.password_hash, "bi-mat-123")
    assert not accounts.password_matches(acc.password_hash, "bi-mat-124")
    dump = str(conn.execute("SELECT * FROM audit_log").fetchall()) + str(conn.execute("SELECT * FROM accounts").fetchall())
    assert "bi-mat-123" not in dump
    with pytest.raises(store.StoreError, match="ít nhất 10 ký tự"):
        accounts.add_user(conn, catalog, SYSTEM, "ngan", "viewer", [], None, "ngan")
    with pytest.raises(store.StoreError, match="ít nhất một đơn vị"):
        accounts.add_user(conn, catalog, SYSTEM, "dm", "coordinator", [], None, "bi-mat-123")


def test_login_succeeds_fails_and_is_audited(conn, catalog):
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", "bi-mat-123")
    assert accounts.login(conn, "THAITAN", "lan", "sai-mat-khau") is None
    assert accounts.login(conn, "THAITAN", "LAN", "bi-mat-123").login == "lan"
    accounts.disable_user(conn, SYSTEM, "lan")
    assert accounts.login(conn, "THAITAN", "lan", "bi-mat-123") is None
    log = audit_rows(conn, "THAITAN")
    assert list(log["action"])[:4] == ["login_failed", "account_disable", "login", "login_failed"]
    assert "sai-mat-khau" not in str(log.values.tolist())


def test_only_admin_manages_accounts(conn, catalog):
    with pytest.raises(PermissionDenied, match="không có quyền quản lý tài khoản"):
        accounts.add_user(conn, catalog, OFFICE, "x1", "viewer", [], None, "bi-mat-123")
    assert get_account(conn, "x1") is None
    assert actions(conn)[-1] == "refused_rights"


def test_users_cli(tmp_path, capsys):
    db = tmp_path / "kpi.duckdb"
    assert cli(db, "users", "add", "lan", "--role", "coordinator", "--unit", "CA", "--unit", "qs",
               "--name", "Nguyễn Thị Lan", stdin="so-bi-mat-01\n") == 0
    assert capsys.readouterr().out == "Đã thêm tài khoản «lan» (Đầu mối đơn vị).\n"
    assert cli(db, "users", "add", "minh", "--role", "viewer", stdin="") == 2
    assert "Cần mật khẩu" in capsys.readouterr().err
    assert cli(db, "users", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [{"login": "lan", "name": "Nguyễn Thị Lan", "role": "coordinator",
                                                    "units": ["CA", "QS"], "commune": None, "active": True,
                                                    "demo": False}]
    assert cli(db, "users", "passwd", "lan", stdin="so-bi-mat-02\n") == 0
    assert cli(db, "users", "disable", "lan") == 0
    assert cli(db, "users", "list") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "lan              Đầu mối đơn vị — CA, QS — Nguyễn Thị Lan [đã khoá]"
    conn = store.connect(db)
    acc = get_account(conn, "lan")
    assert accounts.password_matches(acc.password_hash, "so-bi-mat-02") and not acc.active
    assert [a for a in actions(conn) if a.startswith("account")] == ["account_add", "account_passwd",
                                                                      "account_disable"]
    conn.close()


# --- rights on writes --------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "leader"])
def test_viewers_and_leaders_cannot_upload(conn, role):
    before = uploads(conn)
    with pytest.raises(PermissionDenied, match="không có quyền nhập số liệu"):
        store.record_submission(conn, sub(), Actor("Người xem", role, "nguoixem"))
    assert uploads(conn) == before == []
    assert audit_rows(conn, "THAITAN").iloc[0][["actor", "action", "unit", "period"]].tolist() == \
        ["nguoixem", "refused_rights", "TTPVHCC", PERIOD]


def test_a_coordinator_writes_only_their_own_units(conn):
    lan = Actor("Chị Lan", "coordinator", "lan", ("CA",))
    with pytest.raises(PermissionDenied, match=r"chỉ được nhập số liệu cho đơn vị của mình \(CA\), "
                                              "không được cho đơn vị TTPVHCC"):
        store.record_submission(conn, sub("TTPVHCC"), lan)
    assert uploads(conn) == []
    assert store.record_submission(conn, sub("CA"), lan).version == 1
    assert uploads(conn)[0][5] == "lan"


def test_cli_import_needs_an_active_account_and_applies_its_rights(tmp_path, capsys, catalog):
    db = tmp_path / "kpi.duckdb"
    wb = tmp_path / "ttpvhcc.xlsx"
    wb.write_bytes(filled(catalog, period=PERIOD))
    add_user(db, "lan", "coordinator", "CA")
    assert cli(db, "import", str(wb)) == 2
    assert "Cần --by" in capsys.readouterr().err
    assert cli(db, "import", str(wb), "--by", "khongco") == 2
    assert capsys.readouterr().err == "Lỗi: Không có tài khoản «khongco». Tạo bằng: python -m kpi users add …\n"
    assert cli(db, "import", str(wb), "--by", "lan") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"✖ {wb}: bị từ chối — Tài khoản «lan» chỉ được nhập số liệu cho đơn vị của mình (CA), "
                      "không được cho đơn vị TTPVHCC. Không ghi gì vào cơ sở dữ liệu.")
    conn = store.connect(db)
    assert uploads(conn) == [] and actions(conn)[-1] == "refused_rights"
    conn.close()
    add_user(db, "dvc", "coordinator", "TTPVHCC")
    assert cli(db, "import", str(wb), "--by", "dvc") == 0
    conn = store.connect(db)
    assert [u[5] for u in uploads(conn)] == ["dvc"]
    conn.close()


# --- closing a quarter -------------------------------------------------------------------------

def test_a_closed_quarter_refuses_uploads_until_reopened_with_a_reason(tmp_path, capsys, catalog):
    db = tmp_path / "kpi.duckdb"
    wb = tmp_path / "a.xlsx"
    wb.write_bytes(filled(catalog, period=PERIOD))
    add_user(db, "vp", "office")
    add_user(db, "qt", "admin")
    add_user(db, "dvc", "coordinator", "TTPVHCC")
    assert cli(db, "close", "--quarter", "2024-Q2", "--by", "dvc") == 2
    assert "không có quyền khoá sổ quý" in capsys.readouterr().err
    assert cli(db, "close", "--quarter", "2024-Q2", "--by", "vp") == 0
    assert capsys.readouterr().out == "Đã khoá sổ Quý II/2024 (vp). Kết quả chấm điểm quý được giữ nguyên.\n"
    assert cli(db, "import", str(wb), "--by", "dvc") == 1
    out = capsys.readouterr().out
    assert "Quý II/2024 đã khoá sổ (vp, " in out and "không nhận số liệu tháng Tháng 6/2024" in out
    assert "đề nghị quản trị viên mở lại quý" in out
    assert cli(db, "reopen", "--quarter", "2024-Q2", "--by", "vp", "--reason", "sửa số") == 2
    assert "không có quyền mở lại quý đã khoá" in capsys.readouterr().err
    assert cli(db, "reopen", "--quarter", "2024-Q2", "--by", "qt") == 2
    assert capsys.readouterr().err == "Lỗi: Mở lại quý đã khoá sổ cần ghi rõ lý do.\n"
    conn = store.connect(db)
    assert uploads(conn) == []
    assert conn.execute("SELECT count(*) FROM quarter_closures WHERE reopened_at IS NULL").fetchone()[0] == 1
    conn.close()
    assert cli(db, "reopen", "--quarter", "2024-Q2", "--by", "qt", "--reason", "Công an xã sửa số liệu") == 0
    assert cli(db, "import", str(wb), "--by", "dvc") == 0
    conn = store.connect(db)
    log = audit_rows(conn, "THAITAN")
    assert list(log["action"])[:6] == ["record_submission", "reopen_quarter", "refused_rights", "refused_rights",
                                       "refused_rights", "close_quarter"]
    assert json.loads(log.iloc[1]["detail"]) == {"quarter": "2024-Q2", "reason": "Công an xã sửa số liệu"}
    assert log.iloc[0]["file_sha256"] and log.iloc[0]["unit"] == "TTPVHCC"
    conn.close()


def test_the_frozen_score_stays_after_a_catalogue_edit(tmp_path, demo_db_file, capsys):
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db_file.read_bytes())
    assert cli(db, "score", "--quarter", "2026-Q3", "--json") == 0
    before = json.loads(capsys.readouterr().out)
    assert before["closed"] is False and before["catalog_version"] == 1
    assert cli(db, "close", "--quarter", "2026-Q3", "--by", "vanphong") == 0
    edited = tmp_path / "edited.toml"
    text = CONFIG.read_text(encoding="utf-8")
    assert "target = 100\npoints = 2" in text
    edited.write_text(text.replace("target = 100\npoints = 2", "target = 50\npoints = 7", 1), encoding="utf-8")
    capsys.readouterr()
    assert cli(db, "score", "--quarter", "2026-Q3", "--json", config=edited) == 0
    frozen = json.loads(capsys.readouterr().out)
    assert frozen == {**before, "closed": True}
    assert cli(db, "score", "--quarter", "2026-Q3", "--json", "--recompute", config=edited) == 0
    today = json.loads(capsys.readouterr().out)
    assert today["max_points"] == before["max_points"] + 5
    assert today["catalog_version"] is None     # `score` only reads: the edited catalogue is not recorded
    conn = store.connect(db)
    assert conn.execute("SELECT count(*) FROM catalog_versions").fetchone()[0] == 1
    conn.close()
    assert cli(db, "score", "--quarter", "2026-Q3", config=edited) == 0
    assert "Quý đã khoá sổ (vanphong, " in capsys.readouterr().out


def test_the_frozen_result_ignores_later_figures(demo_conn, catalog):
    close(demo_conn, catalog, OFFICE, "2026-Q3", as_of=TODAY)
    frozen = period_result(demo_conn, catalog, "2026-Q3", as_of=TODAY).score
    reopen(demo_conn, catalog, ADMIN, "2026-Q3", "thử")
    store.record_submission(demo_conn, sub("TTPVHCC", "2026-08", num=1.0), OFFICE)
    today = dt.date.today()     # the correction is stored now: closed again today, it is in
    close(demo_conn, catalog, OFFICE, "2026-Q3", as_of=today)
    again = period_result(demo_conn, catalog, "2026-Q3", as_of=today)
    assert again.closed and again.score.total_points < frozen.total_points


def test_reports_of_a_closed_quarter_are_the_frozen_result(tmp_path, demo_db_file, capsys):
    """The self-scoring table sent to the city is identical after a catalogue edit and says it is
    the closed result; today's catalogue would give another total."""
    import openpyxl
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db_file.read_bytes())
    assert cli(db, "close", "--quarter", "2026-Q3", "--by", "vanphong") == 0
    edited = tmp_path / "edited.toml"
    edited.write_text(CONFIG.read_text(encoding="utf-8").replace("target = 100\npoints = 2",
                                                                  "target = 50\npoints = 7", 1), encoding="utf-8")

    def table(path):
        ws = openpyxl.load_workbook(path).active
        return [[c.value for c in row] for row in ws.iter_rows(min_row=7)]

    assert cli(db, "report", "--quarter", "2026-Q3", "-o", str(tmp_path / "a.xlsx")) == 0
    assert cli(db, "report", "--quarter", "2026-Q3", "-o", str(tmp_path / "b.xlsx"), config=edited) == 0
    assert table(tmp_path / "a.xlsx") == table(tmp_path / "b.xlsx")
    note = openpyxl.load_workbook(tmp_path / "b.xlsx").active.cell(6, 1).value
    assert "Kết quả đã khoá sổ lúc " in note and "(vanphong), theo danh mục phiên bản 1" in note
    assert cli(db, "report", "--quarter", "2026-Q3", "-o", str(tmp_path / "c.pdf"), config=edited) == 0
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_a_provisional_quarter_cannot_be_closed(demo_conn, catalog):
    import datetime as dt
    with pytest.raises(PermissionDenied, match="Quý IV/2026 chưa hết hạn báo cáo .*chưa khoá sổ được"):
        close(demo_conn, catalog, OFFICE, "2026-Q4", as_of=dt.date(2027, 1, 17))
    assert demo_conn.execute("SELECT count(*) FROM quarter_closures").fetchone()[0] == 0
    close(demo_conn, catalog, OFFICE, "2026-Q4", as_of=dt.date(2027, 1, 18))   # the last due date: all due
    assert period_result(demo_conn, catalog, "2026-Q4", as_of=TODAY).closed


def test_closing_refuses_figures_that_changed_since_they_were_read(conn, catalog, monkeypatch):
    """On a server another process may store an upload between reading the quarter's figures and
    writing the closing: the closing is refused instead of freezing figures that are not current."""
    import datetime as dt

    import kpi.usecases.closing as closing
    store.sync_catalog(conn, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
    read = closing.period_result
    today = dt.date.today()     # the uploads below are stored now: the closing judges the record of today

    def read_then_another_upload(*args, **kwargs):
        result = read(*args, **kwargs)
        store.record_submission(conn, sub(period="2024-05", num=200), Actor("Chị Lan", "office", "lan"))
        return result

    monkeypatch.setattr(closing, "period_result", read_then_another_upload)
    with pytest.raises(store.StoreError, match="Số liệu của xã vừa thay đổi trong lúc khoá sổ quý 2024-Q2"):
        close(conn, catalog, OFFICE, "2024-Q2", as_of=today)
    assert conn.execute("SELECT count(*) FROM quarter_closures").fetchone()[0] == 0
    monkeypatch.setattr(closing, "period_result", read)
    close(conn, catalog, OFFICE, "2024-Q2", as_of=today)   # read again: closes
    assert period_result(conn, catalog, "2024-Q2", as_of=today).closed


# --- no lost updates ---------------------------------------------------------------------------

def test_a_stale_confirm_is_refused_with_who_and_when(conn):
    store.record_submission(conn, sub(num=300), Actor("Chị Lan", "office", "lan"))
    before = uploads(conn)
    with pytest.raises(Conflict, match=r"TTPVHCC, Tháng 6/2024: trong lúc bạn xem trước, lan đã gửi phiên bản 1 "
                                       r"lúc \d\d/\d\d/\d{4} \d\d:\d\d\. Hãy xem lại"):
        store.record_submissions(conn, [sub(num=310)], OFFICE, expected={("TTPVHCC", PERIOD): 0})
    assert uploads(conn) == before and actions(conn)[-1] == "refused_conflict"
    assert store.record_submissions(conn, [sub(num=310)], OFFICE, expected={("TTPVHCC", PERIOD): 1})[0].version == 2


def test_returning_to_an_older_version_needs_an_explicit_confirmation(conn):
    store.record_submission(conn, sub(num=300), OFFICE)
    store.record_submission(conn, sub(num=310), OFFICE)
    before = uploads(conn)
    with pytest.raises(Conflict, match=r"giống hệt phiên bản 1 \(\d\d/\d\d/\d{4} \d\d:\d\d, vanphong\)") as e:
        store.record_submission(conn, sub(num=300), OFFICE)
    assert e.value.kind == "rollback" and e.value.version == 1 and uploads(conn) == before
    out = store.record_submissions(conn, [sub(num=300)], OFFICE, allow_rollback=True)
    assert out[0].version == 3 and out[0].created


def test_cli_refuses_a_roll_back_unless_allowed(tmp_path, capsys, catalog):
    db = tmp_path / "kpi.duckdb"
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(filled(catalog, period=PERIOD))
    b.write_bytes(filled(catalog, period=PERIOD, edit=lambda wb, ws: ws.__setitem__("E15", 1)))
    add_user(db, "dvc", "coordinator", "TTPVHCC")
    assert cli(db, "import", str(a), "--by", "dvc") == 0
    assert cli(db, "import", str(b), "--by", "dvc") == 0
    capsys.readouterr()
    assert cli(db, "import", str(a), "--by", "dvc") == 1
    assert "giống hệt phiên bản 1" in capsys.readouterr().out
    assert cli(db, "import", str(a), "--by", "dvc", "--allow-rollback") == 0
    assert "phiên bản 3" in capsys.readouterr().out


def test_demo_accounts_never_go_into_a_database_with_real_uploads(conn, catalog):
    from kpi.usecases.demo import create_demo_accounts, demo_account_list
    store.record_submission(conn, sub(), OFFICE)
    assert create_demo_accounts(conn, catalog) == 0 and get_account(conn, "admin") is None
    assert len(demo_account_list(catalog)) == 4 + len(catalog.units)


def test_test_password_constant_is_long_enough():
    assert len(DEMO_PASSWORD_TEST) >= accounts.MIN_PASSWORD
