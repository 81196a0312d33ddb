"""The audit log as people read it: each action in words, periods as «Tháng 10/2026», nothing
shown as «None», and a row's details as «field: value» in Vietnamese instead of the stored JSON.
Times stay timestamps (the page writes them dd/mm/yyyy hh:mm:ss and still sorts them as times)."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd

from kpi.domain.periods import Period, PeriodError
from kpi.domain.rights import role_text

# every action the store writes to the audit log (kpi/store, kpi/usecases), in the log's words
ACTIONS: dict[str, str] = {
    "record_submission": "Nhập số liệu", "supersede": "Thay phiên bản",
    "refused_rights": "Từ chối (quyền, khoá sổ)", "refused_conflict": "Từ chối (xung đột phiên bản)",
    "close_quarter": "Khoá sổ quý", "reopen_quarter": "Mở lại quý", "login": "Đăng nhập",
    "login_failed": "Đăng nhập sai", "login_locked": "Đăng nhập bị từ chối (tạm khoá)", "logout": "Đăng xuất", "session_expired": "Hết phiên",
    "account_add": "Thêm tài khoản", "account_passwd": "Đổi mật khẩu", "account_disable": "Khoá tài khoản",
    "account_enable": "Mở khoá tài khoản", "catalog_version": "Phiên bản danh mục",
    "sync_catalog": "Cập nhật đơn vị", "evidence_add": "Thêm minh chứng", "evidence_review": "Duyệt minh chứng",
    "make_backup": "Sao lưu", "export_evidence_pack": "Tải bộ hồ sơ minh chứng",
    "explanation_write": "Ghi giải trình",
    "appraisal_import": "Nhập kết quả thẩm định",
    "catalog_tasks": "Đưa mốc của danh mục vào sổ nhiệm vụ",
}

_FIELDS = {
    "login": "tài khoản", "role": "vai trò", "units": "đơn vị", "unit": "đơn vị", "period": "kỳ",
    "quarter": "quý", "reason": "lý do", "action": "việc", "catalog_version": "phiên bản danh mục",
    "figures": "số ô số liệu", "version": "phiên bản", "file": "tệp", "file_name": "tệp",
    "supersedes": "thay cho lần nhập", "upload_id": "lần nhập", "archive": "tệp sao lưu",
    "indicator": "chỉ tiêu", "state": "trạng thái", "comment": "nhận xét", "link": "đường dẫn", "id": "mã",
    "sha256": "sha256", "commune": "xã", "name": "họ tên",
    "name_hash": "mã của tên đã gõ", "client": "địa chỉ máy", "failures": "số lần sai liên tiếp",
    "client_failures": "số lần sai của máy", "wait_seconds": "còn khoá (giây)",
    "as_of": "tính đến ngày", "files": "số tệp", "links": "số liên kết",
    "text": "nội dung", "previous": "nội dung trước", "rows": "số dòng", "total": "tổng điểm",
    "previous_total": "tổng điểm trước", "doc_number": "số văn bản", "doc_date": "ngày văn bản",
    "summary": "trích yếu",
}


def action_text(code: str) -> str:
    """An action in words; an action this version does not know is shown as stored."""
    return ACTIONS.get(code, code)


def _value(key: str, value: Any) -> str:
    if key == "role":
        return role_text(str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and value in ACTIONS:
        return action_text(value)
    return str(value)


def detail_text(detail: str | None) -> str:
    """A row's stored JSON details as `tài khoản: admin; vai trò: …` (empty values left out)."""
    if not detail:
        return ""
    try:
        fields = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(fields, dict):
        return detail
    return "; ".join(f"{_FIELDS.get(k, k)}: {_value(k, v)}" for k, v in fields.items()
                     if v not in (None, "", []))


def period_text(period: str | None) -> str:
    """`2026-10` → `Tháng 10/2026`, `2026-Q3` → `Quý III/2026`; anything else as stored."""
    if not period:
        return ""
    try:
        return Period.parse(period).label
    except PeriodError:
        return period


def audit_table(rows: pd.DataFrame) -> pd.DataFrame:
    """kpi.store.accounts.audit_rows as the Nhật ký page and its .xlsx show it."""
    def text(column: str) -> list[str]:
        return ["" if pd.isna(v) else str(v) for v in rows[column]]
    return pd.DataFrame({
        "Thời điểm": pd.to_datetime(rows["happened_at"]),
        "Người": text("actor"),
        "Việc": [action_text(a) for a in rows["action"]],
        "Đơn vị": text("unit"), "Kỳ": [period_text(p) for p in text("period")],
        "Tệp (sha256)": text("file_sha256"),
        "Chi tiết": [detail_text(None if pd.isna(d) else d) for d in rows["detail"]],
    }, columns=["Thời điểm", "Người", "Việc", "Đơn vị", "Kỳ", "Tệp (sha256)", "Chi tiết"])
