"""`users`: accounts from the command line (the server's administrator). Passwords are read from
standard input, one line, never from the command line."""
from __future__ import annotations

import json
import sys

from kpi.cli.context import CLI_ACTOR, UserError
from kpi.domain.rights import ROLES, role_text
from kpi.store.accounts import list_accounts
from kpi.usecases.accounts import active_actor, add_user, change_password, disable_user, enable_user


def register(sub):
    p = sub.add_parser("users", help="quản lý tài khoản (thêm, liệt kê, khoá, mở khoá, đổi mật khẩu)")
    s = p.add_subparsers(dest="users_command", metavar="VIỆC")
    s.required = True
    a = s.add_parser("add", help="thêm tài khoản; mật khẩu đọc từ đầu vào chuẩn (một dòng)")
    a.add_argument("login", metavar="TÊN_ĐĂNG_NHẬP")
    a.add_argument("--role", required=True, choices=list(ROLES), help="vai trò")
    a.add_argument("--unit", action="append", default=[], metavar="MÃ", help="đơn vị (đầu mối; lặp lại được)")
    a.add_argument("--name", help="họ tên")
    a.add_argument("--commune", metavar="MÃ_XÃ", help="chỉ làm việc với xã này (bỏ trống: mọi xã)")
    a.set_defaults(handler=run_add)
    ls = s.add_parser("list", help="liệt kê tài khoản")
    ls.add_argument("--json", action="store_true", help="in dạng JSON")
    ls.set_defaults(handler=run_list)
    d = s.add_parser("disable", help="khoá tài khoản")
    d.add_argument("login", metavar="TÊN_ĐĂNG_NHẬP")
    d.set_defaults(handler=run_disable)
    e = s.add_parser("enable", help="mở khoá tài khoản đã khoá (cho đăng nhập lại)")
    e.add_argument("login", metavar="TÊN_ĐĂNG_NHẬP")
    e.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản quản trị thực hiện")
    e.set_defaults(handler=run_enable)
    pw = s.add_parser("passwd", help="đổi mật khẩu; mật khẩu mới đọc từ đầu vào chuẩn (một dòng)")
    pw.add_argument("login", metavar="TÊN_ĐĂNG_NHẬP")
    pw.set_defaults(handler=run_passwd)


def _read_password() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass
        password = getpass.getpass("Mật khẩu: ")
    else:
        password = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if not password:
        raise UserError("Cần mật khẩu: một dòng ở đầu vào chuẩn (ví dụ: printf '%s\\n' \"$MK\" | python -m kpi …).")
    return password


def run_add(args, ctx):
    commune = args.commune.strip().upper() if args.commune else None
    ctx.commune = commune
    add_user(ctx.conn, ctx.catalog, CLI_ACTOR, args.login, args.role, args.unit, args.name, _read_password(),
             commune=commune)
    print(f"Đã thêm tài khoản «{args.login.strip().lower()}» ({role_text(args.role)}).")
    return 0


def run_list(args, ctx):
    accounts = list_accounts(ctx.conn)
    if args.json:
        print(json.dumps([{"login": a.login, "name": a.name, "role": a.role, "units": list(a.units),
                           "commune": a.commune, "active": a.active, "demo": a.demo} for a in accounts], ensure_ascii=False, indent=2))
        return 0
    if not accounts:
        print("Chưa có tài khoản nào.")
    for a in accounts:
        flags = ("" if a.active else " [đã khoá]") + (" [mẫu]" if a.demo else "")
        units = f" — {', '.join(a.units)}" if a.units else ""
        commune = f" — xã {a.commune}" if a.commune else ""
        print(f"{a.login:<16} {role_text(a.role)}{commune}{units} — {a.name}{flags}")
    return 0


def run_disable(args, ctx):
    disable_user(ctx.conn, CLI_ACTOR, args.login)
    print(f"Đã khoá tài khoản «{args.login}».")
    return 0


def run_enable(args, ctx):
    enable_user(ctx.conn, active_actor(ctx.conn, args.by), args.login)
    print(f"Đã mở khoá tài khoản «{args.login.strip().lower()}».")
    return 0


def run_passwd(args, ctx):
    change_password(ctx.conn, CLI_ACTOR, args.login, _read_password())
    print(f"Đã đổi mật khẩu của «{args.login}».")
    return 0
