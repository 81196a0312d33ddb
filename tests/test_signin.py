"""Signing in as a government system should: wrong tries limited per login and per client address
(counters in the database, a pinned clock: the second before, at and after each step), an unknown
name costing one argon2 check like a wrong password and never written in clear, the password rule
(core, `users add` / `users passwd`), and `users enable`."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys

import pytest
import time_machine

from kpi import store
from kpi.cli.main import main
from kpi.domain.figures import Actor
from kpi.domain.signin import ACCOUNT_RULE, CLIENT_RULE, Counter, after_failure, lock_wait, password_problem
from kpi.store.accounts import audit_rows, get_account
from kpi.usecases import accounts
from kpi.usecases.accounts import LoginRefused
from kpi.usecases.demo import DEMO_ACTOR, create_demo_accounts
from tests.common import SYSTEM

T0 = dt.datetime(2026, 11, 23, 9, 0, 0)
PASSWORD = "so-bi-mat-01"
LOCKED = "Tài khoản tạm khoá do nhập sai nhiều lần; thử lại sau"


@pytest.fixture(autouse=True)
def _fast_failed_logins(monkeypatch):
    monkeypatch.setattr(accounts, "FAILED_LOGIN_DELAY", 0)


def cli(db, *args, stdin: str = ""):
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--db", str(db), *args])
    finally:
        sys.stdin = old


def at(seconds: float) -> time_machine.travel:
    return time_machine.travel(T0 + dt.timedelta(seconds=seconds), tick=False)


def attempt(conn, login: str, password: str, seconds: float, client: str | None = None):
    """A sign-in at T0 + `seconds` on the pinned clock: the account, None (wrong), or the refusal text."""
    with at(seconds):
        try:
            return accounts.login(conn, "THAITAN", login, password, client=client)
        except LoginRefused as refused:
            return str(refused)


# --- the rules, pure ----------------------------------------------------------------------------

def test_the_documented_numbers():
    assert (ACCOUNT_RULE.failures, ACCOUNT_RULE.window, ACCOUNT_RULE.first_wait, ACCOUNT_RULE.max_wait) == \
        (5, dt.timedelta(minutes=15), dt.timedelta(seconds=30), dt.timedelta(minutes=15))
    assert (CLIENT_RULE.failures, CLIENT_RULE.window, CLIENT_RULE.first_wait, CLIENT_RULE.max_wait) == \
        (20, dt.timedelta(minutes=15), dt.timedelta(seconds=30), dt.timedelta(minutes=15))
    waits = [lock_wait(ACCOUNT_RULE, n) for n in range(1, 13)]
    assert waits[:4] == [None] * 4
    assert [w.total_seconds() for w in waits[4:]] == [30, 60, 120, 240, 480, 900, 900, 900]
    assert lock_wait(CLIENT_RULE, 19) is None and lock_wait(CLIENT_RULE, 20) == dt.timedelta(seconds=30)
    assert lock_wait(ACCOUNT_RULE, 10_000) == dt.timedelta(minutes=15)


def test_a_count_is_forgotten_after_15_quiet_minutes_counted_from_the_end_of_the_lock():
    four = Counter(4, T0)
    assert after_failure(ACCOUNT_RULE, four, T0 + dt.timedelta(minutes=15, seconds=-1)).failures == 5
    assert after_failure(ACCOUNT_RULE, four, T0 + dt.timedelta(minutes=15)).failures == 1
    locked = Counter(10, T0, T0 + dt.timedelta(minutes=15))       # quiet only once the lock is over
    assert after_failure(ACCOUNT_RULE, locked, T0 + dt.timedelta(minutes=29, seconds=59)).failures == 11
    assert after_failure(ACCOUNT_RULE, locked, T0 + dt.timedelta(minutes=30)).failures == 1


@pytest.mark.parametrize(("password", "login", "rule"), [
    ("aaaaaaaa", "lan", "ít nhất 10 ký tự"),
    ("aaaaaaaaaaaa", "lan", "chỉ lặp lại một ký tự"),
    ("  aaaaaaaaaaaa  ", "lan", "chỉ lặp lại một ký tự"),
    (" " * 8, "lan", "chỉ gồm khoảng trắng"),
    (" " * 12, "lan", "chỉ gồm khoảng trắng"),
    ("\t \u00a0  \t      ", "lan", "chỉ gồm khoảng trắng"),
    ("nguyenvana", "nguyenvana", "chứa tên đăng nhập"),
    ("NguyenVanA-2026", "nguyenvana", "chứa tên đăng nhập"),
    ("1234567890", "lan", "quá phổ biến"),
    ("123456789012", "lan", "quá phổ biến"),
    ("9876543210", "lan", "quá phổ biến"),
    ("1111122222", "lan", "quá phổ biến"),
    ("password123", "lan", "quá phổ biến"),
    ("Password2026!", "lan", "quá phổ biến"),
    ("matkhau123", "lan", "quá phổ biến"),
    ("mat-khau-2026", "lan", "quá phổ biến"),
    ("Mat Khau 1234", "lan", "quá phổ biến"),
    ("qwertyuiop", "lan", "quá phổ biến"),
])
def test_the_password_rule_names_what_is_wrong(password, login, rule):
    assert rule in (password_problem(password, login) or "")


@pytest.mark.parametrize("password", ["so-bi-mat-01", "mat-khau-kiem-thu", "Ruộng lúa 2026 xanh", "x9!kT2#mQ7"])
def test_passwords_that_pass(password):
    assert password_problem(password, "lan") is None


# --- the counters in the database (both engines) --------------------------------------------------

@pytest.mark.both_engines
def test_five_wrong_tries_lock_the_login_with_growing_waits_even_for_the_right_password(conn, catalog):
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", PASSWORD)
    for k in range(4):
        assert attempt(conn, "lan", "sai-mat-khau", k) is None
    # the 5th failure starts a 30 s lock (said as «1 phút»): the right password is refused until it ends
    assert attempt(conn, "lan", "sai-mat-khau", 4) == f"Tên đăng nhập hoặc mật khẩu không đúng. {LOCKED} 1 phút."
    assert attempt(conn, "lan", PASSWORD, 4 + 29) == f"{LOCKED} 1 phút."
    assert attempt(conn, "LAN", PASSWORD, 4 + 29) == f"{LOCKED} 1 phút."        # the name as typed
    # then each failure doubles it: 1, 2, 4, 8 min, then 15 min at most
    start = 4 + 30
    for wait in (60, 120, 240, 480, 900, 900):
        said = attempt(conn, "lan", "sai-mat-khau", start)
        assert said == f"Tên đăng nhập hoặc mật khẩu không đúng. {LOCKED} {-(-wait // 60)} phút.", wait
        assert attempt(conn, "lan", PASSWORD, start + wait - 1) == f"{LOCKED} 1 phút."   # the second before
        start += wait                                                                  # at: open again
    # the right password once the lock is over: in, and the count starts again
    assert attempt(conn, "lan", PASSWORD, start).login == "lan"
    for k in range(4):
        assert attempt(conn, "lan", "sai-mat-khau", start + 1 + k) is None
    assert attempt(conn, "lan", PASSWORD, start + 10).login == "lan"
    log = audit_rows(conn, "THAITAN")
    assert {"account_add", "login", "login_failed", "login_locked"} <= set(log["action"])
    assert (log["action"] == "login_locked").sum() == 8 and (log["action"] == "login_failed").sum() == 15


@pytest.mark.both_engines
def test_the_lock_holds_on_another_connection_and_for_an_unknown_name(conn, catalog, db_target):
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", PASSWORD)
    other = store.connect(db_target)          # another app process on the same database
    try:
        for k in range(5):
            attempt(conn if k % 2 else other, "lan", "sai", k)
            attempt(conn if k % 2 else other, "khong-co-ai", "sai", k)
        assert attempt(other, "lan", PASSWORD, 10).startswith(LOCKED)
        # an unknown name is locked exactly like an account: the lock does not tell which exists
        assert attempt(conn, "khong-co-ai", "sai", 10) == attempt(other, "lan", "sai", 10)
        assert attempt(other, "lan", PASSWORD, 34).login == "lan"
    finally:
        other.close()


@pytest.mark.both_engines
def test_twenty_wrong_tries_from_one_address_lock_that_address_for_every_login(conn, catalog):
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", PASSWORD)
    accounts.add_user(conn, catalog, SYSTEM, "minh", "viewer", [], "Anh Minh", PASSWORD)
    for k in range(19):                       # four tries each of several names: no login reaches 5
        assert attempt(conn, f"ten-{k // 4}", "sai", k, client="10.0.0.7") is None
    assert attempt(conn, "ten-9", "sai", 19, client="10.0.0.7") == (
        "Tên đăng nhập hoặc mật khẩu không đúng. Máy này tạm bị chặn đăng nhập do nhập sai nhiều lần; "
        "thử lại sau 1 phút.")
    assert "Máy này tạm bị chặn" in attempt(conn, "lan", PASSWORD, 19 + 29, client="10.0.0.7")
    assert attempt(conn, "minh", PASSWORD, 19 + 29, client="10.0.0.8").login == "minh"   # another machine
    assert attempt(conn, "lan", PASSWORD, 19 + 30, client="10.0.0.7").login == "lan"
    # a success does not forgive the address: its next failure locks it for 1 min
    assert "thử lại sau 1 phút" in attempt(conn, "minh", "sai", 19 + 31, client="10.0.0.7")
    assert "Máy này tạm bị chặn" in attempt(conn, "minh", PASSWORD, 19 + 31 + 59, client="10.0.0.7")
    # after 15 quiet minutes (from the end of the lock) the address starts again
    assert attempt(conn, "ten-1", "sai", 19 + 31 + 60 + 900, client="10.0.0.7") is None
    rows = conn.execute("SELECT scope, key, failures FROM login_throttle WHERE scope = 'client'").fetchall()
    assert rows == [("client", "10.0.0.7", 1)]


# --- unknown names: the same cost, never in clear --------------------------------------------------

class CountingHasher:
    """The tests' hasher, counting the checks."""

    def __init__(self, inner):
        self.inner, self.checked = inner, []

    def hash(self, password):
        return self.inner.hash(password)

    def verify(self, hashed, password):
        self.checked.append(hashed)
        return self.inner.verify(hashed, password)


@pytest.mark.both_engines
def test_every_path_checks_one_argon2_hash_of_the_same_parameters(conn, catalog, monkeypatch):
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", PASSWORD)
    accounts.add_user(conn, catalog, SYSTEM, "minh", "viewer", [], "Anh Minh", PASSWORD)
    accounts.disable_user(conn, SYSTEM, "minh")
    counting = CountingHasher(accounts._HASHER)
    monkeypatch.setattr(accounts, "_HASHER", counting)
    params = re.compile(r"^\$argon2id\$v=19\$m=8,t=1,p=1\$")
    for name, password, result in (("lan", "sai-mat-khau", None), ("khong-co-ai", "sai-mat-khau", None),
                                   ("minh", PASSWORD, None), ("", "sai-mat-khau", None),
                                   ("Mật khẩu gõ nhầm ô!", "x", None), ("lan", PASSWORD, "lan")):
        counting.checked.clear()
        got = attempt(conn, name, password, 0)
        assert (got.login if got else None) == result, name
        assert len(counting.checked) == 1 and params.match(counting.checked[0]), name


@pytest.mark.both_engines
def test_a_name_that_is_no_account_is_kept_only_as_a_keyed_hash(conn, catalog):
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", PASSWORD)
    typed = "BiMat-Cua-Lan-2026"                  # a password typed into the name field
    attempt(conn, typed, "x", 0, client="10.0.0.7")
    attempt(conn, typed, "x", 1)
    attempt(conn, "ten-khac", "x", 2)
    attempt(conn, "lan", "x", 3)
    dump = json.dumps([conn.execute(f"SELECT * FROM {t}").fetchall()
                       for t in ("audit_log", "login_throttle")], default=str).lower()
    assert typed.lower() not in dump and "ten-khac" not in dump
    log = audit_rows(conn, "THAITAN", action="login_failed").iloc[::-1]
    details = [json.loads(d) for d in log["detail"]]
    assert list(log["actor"]) == ["tên không tồn tại"] * 3 + ["lan"]
    hashes = [d.get("name_hash") for d in details]
    assert hashes[0] == hashes[1] != hashes[2] and hashes[3] is None
    assert all(re.fullmatch(r"[0-9a-f]{12}", h) for h in hashes[:3])
    assert details[0]["client"] == "10.0.0.7" and details[3]["login"] == "lan"
    assert (details[0]["failures"], details[0]["client_failures"], details[1]["failures"]) == (1, 1, 2)
    assert "client_failures" not in details[1]
    # the key is this database's own secret (another database hashes the same name differently)
    assert conn.execute("SELECT count(*) FROM app_secrets").fetchone()[0] == 1


def test_failures_recorded_before_lose_names_that_are_no_account(tmp_path):
    import duckdb

    from kpi.store.schema import MIGRATIONS
    db = tmp_path / "v5.duckdb"
    raw = duckdb.connect(str(db))
    raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    for version in (1, 2, 3, 4, 5):
        for stmt in MIGRATIONS[version]:
            raw.execute(stmt)
        raw.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    raw.execute("INSERT INTO accounts VALUES ('lan', 'Chị Lan', 'viewer', 'x', TRUE, FALSE, now(), now(), NULL)")
    for i, who in enumerate(("hunter2-bi-mat", "lan", "(trống)"), start=1):
        raw.execute("INSERT INTO audit_log (id, happened_at, actor, action, commune, detail) VALUES "
                    "(?, now(), ?, 'login_failed', 'THAITAN', ?)", [i, who, json.dumps({"login": who}, ensure_ascii=False)])
    raw.execute("INSERT INTO audit_log (id, happened_at, actor, action, commune, detail) VALUES "
                "(4, now(), 'Chị Hoa', 'record_submission', 'THAITAN', '{}')")
    raw.close()
    conn = store.connect(db)
    rows = conn.execute("SELECT actor, detail FROM audit_log ORDER BY id").fetchall()
    conn.close()
    assert rows == [("tên không tồn tại", '{"login": "tên không tồn tại"}'), ("lan", '{"login": "lan"}'),
                    ("(trống)", '{"login": "(trống)"}'), ("Chị Hoa", "{}")]


# --- the password rule on the command line, demo accounts, enabling again ----------------------------

@pytest.mark.parametrize(("password", "said"), [
    ("aaaaaaaa", "Lỗi: Mật khẩu cần ít nhất 10 ký tự.\n"),
    (" " * 8, "Lỗi: Mật khẩu không được chỉ gồm khoảng trắng.\n"),
    ("nguyenvana-2026", "Lỗi: Mật khẩu không được chứa tên đăng nhập.\n"),
    ("12345678901", "Lỗi: Mật khẩu quá phổ biến (như 12345678…, password, matkhau…); hãy chọn mật khẩu khác.\n"),
])
def test_users_add_and_passwd_apply_the_rule(tmp_path, capsys, password, said):
    db = tmp_path / "kpi.duckdb"
    assert cli(db, "users", "add", "nguyenvana", "--role", "viewer", stdin=password + "\n") == 2
    assert capsys.readouterr().err == said
    assert cli(db, "users", "add", "nguyenvana", "--role", "viewer", stdin="Ruong lua xanh 26\n") == 0
    assert cli(db, "users", "passwd", "nguyenvana", stdin=password + "\n") == 2
    assert capsys.readouterr().err == said
    conn = store.connect(db)
    assert accounts.password_matches(get_account(conn, "nguyenvana").password_hash, "Ruong lua xanh 26")
    conn.close()


def test_demo_accounts_keep_their_short_passwords_but_only_through_the_demo_path(conn, catalog):
    assert create_demo_accounts(conn, catalog) > 0
    assert accounts.password_matches(get_account(conn, "xem").password_hash, "demo-xem")
    assert DEMO_ACTOR.role == "system"
    with pytest.raises(store.StoreError, match="tài khoản mẫu"):
        accounts.add_user(conn, catalog, Actor("Quản trị", "admin", "qt"), "mau", "viewer", [], None, "demo-mau",
                          demo=True)


@pytest.mark.both_engines
def test_users_enable_lets_a_disabled_account_in_again(conn, catalog, db_target, capsys):
    accounts.add_user(conn, catalog, SYSTEM, "qt", "admin", [], "Quản trị", PASSWORD)
    accounts.add_user(conn, catalog, SYSTEM, "vp", "office", [], "Văn phòng", PASSWORD)
    accounts.add_user(conn, catalog, SYSTEM, "lan", "viewer", [], "Chị Lan", PASSWORD)
    assert cli(db_target, "users", "disable", "lan") == 0
    assert attempt(conn, "lan", PASSWORD, 0) is None
    assert cli(db_target, "users", "enable", "lan", "--by", "vp") == 2
    assert capsys.readouterr().err == "Lỗi: Tài khoản «vp» (Văn phòng (Văn hoá – Xã hội)) không có quyền quản lý tài khoản.\n"
    assert not get_account(conn, "lan").active
    with pytest.raises(SystemExit):                                           # --by is required
        cli(db_target, "users", "enable", "lan")
    assert "thiếu tham số bắt buộc: --by" in capsys.readouterr().err
    assert cli(db_target, "users", "enable", "LAN", "--by", "qt") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Đã mở khoá tài khoản «lan»."
    assert get_account(conn, "lan").active and attempt(conn, "lan", PASSWORD, 1).login == "lan"
    assert cli(db_target, "users", "enable", "khongco", "--by", "qt") == 2
    assert capsys.readouterr().err == "Lỗi: Không có tài khoản «khongco».\n"
    log = audit_rows(conn, None)
    assert [(a, json.loads(d)) for a, x, d in zip(log["actor"], log["action"], log["detail"], strict=True)
            if x in ("account_enable", "refused_rights")] == \
        [("qt", {"login": "lan"}), ("vp", {"action": "manage_accounts", "reason": "Tài khoản «vp» (Văn phòng "
                                            "(Văn hoá – Xã hội)) không có quyền quản lý tài khoản."})]
