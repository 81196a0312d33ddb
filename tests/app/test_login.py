"""The login gate through AppTest: nothing before logging in, the form, failures audited,
inactivity expiry, logout, pages per role, and the upload page's refusals (other unit, closed
quarter) leaving the database unchanged."""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
import time_machine
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.figures import Actor
from kpi.domain.periods import Month
from kpi.store.accounts import audit_rows
from kpi.usecases import accounts
from kpi.usecases.closing import close
from tests.app.test_pages import filled_template
from tests.common import TODAY, log_in
from tests.ingest_helpers import filled

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def demo_db(demo_db_file, tmp_path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    monkeypatch.setattr(accounts, "FAILED_LOGIN_DELAY", 0.01)
    return path


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("title", "markdown", "metric", "caption", "subheader")
                    for e in getattr(at, kind))


def test_nothing_of_the_app_before_logging_in_then_the_form_logs_in(demo_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert [b.label for b in at.button] == ["Đăng nhập"]
    assert not at.metric and not at.dataframe and not at.selectbox and "Tổng điểm" not in _texts(at)
    at.text_input[0].input("dv-ca")
    at.text_input[1].input("sai-mat-khau")
    at.button[0].click().run()
    assert at.error[0].value.startswith("Tên đăng nhập hoặc mật khẩu không đúng") and not at.metric
    at.text_input[0].input("dv-ca")
    at.text_input[1].input("demo-dv-ca")
    at.button[0].click().run()
    assert not at.exception and at.metric[0].label == "Tổng điểm Quý IV/2026 (tạm tính)"
    conn = store.connect(demo_db)
    log = audit_rows(conn, "THAITAN")
    assert list(log["action"])[:2] == ["login", "login_failed"] and list(log["actor"])[:2] == ["dv-ca", "dv-ca"]
    conn.close()


def test_an_idle_session_expires_and_logout_ends_it(demo_db, monkeypatch):
    monkeypatch.setenv("KPI_SESSION_MINUTES", "5")
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "xem")
    at.run()
    assert at.metric and not at.exception
    at.session_state["auth"]["last_seen"] = time.time() - 6 * 60
    at.run()
    assert not at.metric and [b.label for b in at.button] == ["Đăng nhập"]
    assert at.info[0].value == "Phiên làm việc đã hết hạn do không hoạt động. Hãy đăng nhập lại."
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "xem").run()
    at.session_state["auth"]["last_seen"] = time.time() - 4 * 60
    at.run()
    assert at.metric
    at.button(key="logout").click().run()
    assert not at.metric and [b.label for b in at.button] == ["Đăng nhập"]
    conn = store.connect(demo_db)
    assert list(audit_rows(conn, "THAITAN", actor="xem")["action"]) == ["logout", "session_expired"]
    conn.close()


@pytest.mark.parametrize(("login", "upload", "audit", "accounts_page"), [
    ("xem", False, False, False), ("lanhdao", False, False, False), ("dv-ca", True, False, False),
    ("vanphong", True, True, False), ("admin", True, True, True)])
def test_pages_per_role(demo_db, login, upload, audit, accounts_page):
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, login).run()
    assert not at.exception
    pages = (("pages/upload.py", "Nhập số liệu tháng", upload), ("pages/audit.py", "Nhật ký", audit),
             ("pages/accounts.py", "Tài khoản", accounts_page))
    for page, title, shown in pages:
        try:
            at.switch_page(page).run()
        except Exception:  # noqa: BLE001 — a page outside the navigation may not even be switched to
            assert not shown, page
            at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, login).run()
            continue
        assert not at.exception, page
        assert (title in [t.value for t in at.title]) == shown, page


def test_the_upload_page_refuses_another_unit_and_a_closed_quarter(demo_db, catalog):
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "dv-ca").run()
    at.switch_page("pages/upload.py").run()
    assert at.selectbox(key="template_unit").value == "CA"   # the coordinator's own unit first
    assert "Người nhập: Đầu mối Công an xã (mẫu) (dv-ca)" in _texts(at)
    conn = store.connect(demo_db)
    before = conn.execute("SELECT count(*) FROM uploads").fetchone()[0]
    conn.close()
    at.file_uploader(key="upload_file").upload("ttpvhcc.xlsx", filled(catalog, "TTPVHCC", "2026-06")).run()
    assert "chỉ được nhập số liệu cho đơn vị của mình (CA)" in at.error[0].value
    assert "Xác nhận nhập số liệu" not in [b.label for b in at.button]
    conn = store.connect(demo_db)
    close(conn, catalog, Actor("Văn phòng", "office", "vanphong"), "2026-Q2", as_of=TODAY)
    conn.close()
    numbers = {i.id: (8, 10) if i.is_ratio else (3,) for i in catalog.indicators_of_unit("CA")}
    at.file_uploader(key="upload_file").upload("ca.xlsx", filled_template(catalog, "CA", Month(2026, 6), numbers)).run()
    assert not at.error and not at.exception
    next(b for b in at.button if b.label == "Xác nhận nhập số liệu").click().run()
    assert any("Quý II/2026 đã khoá sổ (vanphong" in e.value for e in at.error)
    conn = store.connect(demo_db)
    assert conn.execute("SELECT count(*) FROM uploads").fetchone()[0] == before
    conn.close()


def test_an_account_name_is_shown_as_text_not_as_a_link(demo_db):
    from tests.common import add_user
    add_user(demo_db, "lien-ket", "viewer", name="[bấm vào đây](http://example.com)")
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "lien-ket").run()
    assert not at.exception
    shown = [c.value for c in at.sidebar.caption if "example.com" in c.value]
    # brackets and the scheme escaped: Markdown makes neither a link nor an autolink of it
    assert shown == [r"\[bấm vào đây\](http\://example.com) (lien-ket) — Chỉ xem"]


def test_an_admin_adds_a_coordinator_picking_the_unit_by_its_name(demo_db, catalog):
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "admin").run()
    at.switch_page("pages/accounts.py").run()
    assert not at.exception
    pick = at.multiselect[0]
    assert pick.label == "Đơn vị (đầu mối)" and pick.placeholder == "Chọn đơn vị"   # no «Choose options»
    assert pick.options[0] == catalog.units[0].name
    field = {t.label: t for t in at.text_input}
    field["Tên đăng nhập mới"].input("dv-ca-2")
    field["Họ tên"].input("Nguyễn Văn A")
    field["Mật khẩu ban đầu"].input("mat-khau-du-dai-123")
    next(s for s in at.selectbox if s.label == "Vai trò").select("coordinator")
    pick.select("CA")
    next(b for b in at.button if b.label == "Thêm").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Đã thêm tài khoản «dv-ca-2»."
    conn = store.connect(demo_db)
    added = next(a for a in store.accounts.list_accounts(conn) if a.login == "dv-ca-2")
    conn.close()
    assert (added.name, added.role, added.units) == ("Nguyễn Văn A", "coordinator", ("CA",))


# --- sign-in limits, enabling an account again, the office closing a quarter -------------------------

def _sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input[0].input(login)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_five_wrong_passwords_lock_the_account_and_the_form_says_for_how_long(demo_db):
    nine = dt.datetime(2026, 11, 23, 9, 0)
    locked = "Tài khoản tạm khoá do nhập sai nhiều lần; thử lại sau 1 phút."
    with time_machine.travel(nine, tick=False):
        at = AppTest.from_file(APP, default_timeout=60).run()
        for _ in range(4):
            assert _sign_in(at, "dv-ca", "sai-mat-khau").error[0].value.startswith(
                "Tên đăng nhập hoặc mật khẩu không đúng")
        assert _sign_in(at, "dv-ca", "sai-mat-khau").error[0].value == \
            f"Tên đăng nhập hoặc mật khẩu không đúng. {locked}"
    with time_machine.travel(nine + dt.timedelta(seconds=29), tick=False):
        assert _sign_in(at, "dv-ca", "demo-dv-ca").error[0].value == locked     # the right password too
        assert not at.metric and not at.exception
    with time_machine.travel(nine + dt.timedelta(seconds=30), tick=False):
        assert not _sign_in(at, "dv-ca", "demo-dv-ca").error and at.metric
    conn = store.connect(demo_db)
    log = audit_rows(conn, "THAITAN", actor="dv-ca")
    assert list(log["action"])[:3] == ["login", "login_locked", "login_failed"]
    conn.close()


def test_an_admin_enables_a_disabled_account_again(demo_db):
    conn = store.connect(demo_db)
    accounts.disable_user(conn, Actor("Hệ thống", "system"), "xem")
    conn.close()
    at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "admin").run()
    at.switch_page("pages/accounts.py").run()
    who = next(s for s in at.selectbox if s.label == "Tài khoản")
    assert "xem (đã khoá)" in who.options
    who.set_value("xem")
    next(b for b in at.button if b.label == "Mở khoá tài khoản").click().run()
    assert not at.exception and not at.error and at.success[0].value == "Đã mở khoá tài khoản «xem»."
    conn = store.connect(demo_db)
    assert store.accounts.get_account(conn, "xem").active
    log = audit_rows(conn, "THAITAN", action="account_enable")
    assert list(log["actor"]) == ["admin"] and json.loads(log["detail"][0]) == {"login": "xem"}
    conn.close()


def test_the_office_closes_a_quarter_picked_from_the_closable_ones(demo_db):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "vanphong").run()
        assert "Tài khoản" in [link.label for link in at.sidebar.get("page_link")]
        at.switch_page("pages/accounts.py").run()
        assert not at.exception and [t.value for t in at.title] == ["Khoá sổ quý"]
        assert not at.dataframe and not at.text_input          # no accounts, no reopening for the office
        labels = [b.label for b in at.button]
        assert "Thêm" not in labels and "Mở lại quý" not in labels and "Khoá tài khoản" not in labels
        pick = at.selectbox(key="close_quarter")
        # Quý IV/2026 is not closable on 23/11/2026 (its reports are not all due yet)
        assert pick.options == ["Quý III/2026", "Quý II/2026", "Quý I/2026", "Quý IV/2025", "Quý III/2025",
                                "Quý II/2025"]
        pick.select_index(1)
        next(b for b in at.button if b.label == "Khoá sổ quý").click().run()
        assert not at.exception and at.success[0].value == "Đã khoá sổ Quý II/2026."
        assert "Quý II/2026" not in at.selectbox(key="close_quarter").options
    conn = store.connect(demo_db)
    assert conn.execute("SELECT quarter, closed_by FROM quarter_closures").fetchall() == [("2026-Q2", "vanphong")]
    conn.close()
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 5), tick=False):   # the administrator may reopen it
        at = log_in(AppTest.from_file(APP, default_timeout=60), demo_db, "admin").run()
        at.switch_page("pages/accounts.py").run()
        assert at.selectbox(key="reopen_quarter").options == ["Quý II/2026"]
        at.text_input(key="reopen_reason").input("Sửa số liệu tháng 6")
        next(b for b in at.button if b.label == "Mở lại quý").click().run()
        assert not at.exception and at.success[0].value == "Đã mở lại Quý II/2026."
