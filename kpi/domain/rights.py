"""Who may do what: the one place that decides (the store's write functions call it)."""
from __future__ import annotations

from kpi.domain.figures import Actor

ROLES: dict[str, str] = {
    "admin": "Quản trị",
    "office": "Văn phòng (Văn hoá – Xã hội)",
    "leader": "Lãnh đạo",
    "coordinator": "Đầu mối đơn vị",
    "viewer": "Chỉ xem",
    "city_admin": "Quản trị thành phố",
    "city_viewer": "Xem toàn thành phố",
}
CITY_ROLES = frozenset({"city_admin", "city_viewer"})
SYSTEM = "system"  # the program itself: demo data, rebuilds, the catalogue sync

# action → roles allowed (coordinators additionally only for their own units; an account with a
# commune only inside that commune)
RIGHTS: dict[str, frozenset[str]] = {
    "read_commune": frozenset(ROLES) | {SYSTEM},
    "read_city": frozenset({"admin", "leader", "city_admin", "city_viewer", SYSTEM}),
    "record_submission": frozenset({"admin", "office", "coordinator", SYSTEM}),
    "sync_catalog": frozenset({"admin", SYSTEM}),
    "manage_accounts": frozenset({"admin", "city_admin", SYSTEM}),
    "close_quarter": frozenset({"admin", "office", SYSTEM}),
    "reopen_quarter": frozenset({"admin", SYSTEM}),
    "read_audit": frozenset({"admin", "office", "city_admin", SYSTEM}),
    "make_backup": frozenset({"admin", "office", SYSTEM}),
    "attach_evidence": frozenset({"admin", "office", "coordinator", SYSTEM}),
    "review_evidence": frozenset({"admin", "office", SYSTEM}),
    # the quarter's whole evidence pack (every unit's documents): for the inspection, not for every reader
    "export_evidence_pack": frozenset({"admin", "office", "leader", SYSTEM}),
    # «Tính đến ngày»: the record as it stood on an earlier day (a meeting's screen shown again)
    "read_past_record": frozenset({"admin", "office", "leader", "city_admin", "city_viewer", SYSTEM}),
    # the task register: the office imports and edits it; a lead unit's coordinator records progress
    "manage_tasks": frozenset({"admin", "office", SYSTEM}),
    "update_task": frozenset({"admin", "office", "coordinator", SYSTEM}),
    # the report sent to the city: its number, addressee, causes and proposals are typed by the office
    "compose_report": frozenset({"admin", "office", SYSTEM}),
    # the Biểu's «Giải trình» of a criterion, and the city's appraisal brought back: the office's work
    "explain": frozenset({"admin", "office", SYSTEM}),
    "import_appraisal": frozenset({"admin", "office", SYSTEM}),
}
ACTION_TEXT = {
    "read_commune": "xem số liệu",
    "read_city": "xem số liệu toàn thành phố",
    "record_submission": "nhập số liệu",
    "sync_catalog": "cập nhật danh mục",
    "manage_accounts": "quản lý tài khoản",
    "close_quarter": "khoá sổ quý",
    "reopen_quarter": "mở lại quý đã khoá",
    "read_audit": "xem nhật ký",
    "make_backup": "sao lưu",
    "attach_evidence": "gửi tài liệu kiểm chứng",
    "review_evidence": "duyệt tài liệu kiểm chứng",
    "export_evidence_pack": "tải bộ hồ sơ minh chứng",
    "read_past_record": "xem số liệu tính đến một ngày trước",
    "manage_tasks": "nhập, sửa sổ nhiệm vụ",
    "update_task": "cập nhật tiến độ nhiệm vụ",
    "compose_report": "soạn báo cáo gửi thành phố",
    "explain": "ghi giải trình",
    "import_appraisal": "nhập kết quả thẩm định của thành phố",
}


class PermissionDenied(Exception):
    """A write refused for rights or locks; the message (Vietnamese) says why."""


def role_text(role: str) -> str:
    return ROLES.get(role, role)


def may(actor: Actor, action: str, unit: str | None = None, commune: str = "") -> bool:
    """Whether `actor` may do `action` (for `unit`, in `commune` when given); no exception."""
    try:
        authorize(actor, action, commune, unit)
    except PermissionDenied:
        return False
    return True


def authorize(actor: Actor, action: str, commune: str, unit: str | None = None) -> None:
    """The one place that decides whether `actor` may do `action` (in `commune`, for `unit` when
    given): the role's rights, a commune account's own commune, a coordinator's own units."""
    if not actor.name or not actor.name.strip():
        raise PermissionDenied("Cần ghi rõ người thực hiện (tên người nhập số liệu).")
    allowed = RIGHTS.get(action)
    if allowed is None:
        raise PermissionDenied(f"Thao tác không xác định: {action}.")
    what = ACTION_TEXT.get(action, action)
    if actor.role not in allowed:
        raise PermissionDenied(f"Tài khoản «{actor.who}» ({role_text(actor.role)}) không có quyền {what}.")
    if actor.commune is not None and action == "read_city":
        raise PermissionDenied(f"Tài khoản «{actor.who}» chỉ làm việc với xã {actor.commune}, "
                               f"không được {what}.")
    if actor.commune is not None and commune and commune != actor.commune:
        raise PermissionDenied(f"Tài khoản «{actor.who}» chỉ làm việc với xã {actor.commune}, "
                               f"không được {what} của xã {commune}.")
    if actor.role == "coordinator" and unit is not None and unit not in actor.units:
        own = ", ".join(actor.units) or "chưa được giao đơn vị nào"
        raise PermissionDenied(f"Tài khoản «{actor.who}» chỉ được {what} cho đơn vị của mình ({own}), "
                               f"không được cho đơn vị {unit}.")


def closed_refusal(period: str, quarter_label: str, closed_by: str, closed_at: str) -> PermissionDenied:
    """The refusal of a write into a closed quarter, naming the closing and whom to ask."""
    return PermissionDenied(
        f"{quarter_label} đã khoá sổ ({closed_by}, {closed_at}): không nhận số liệu tháng {period}. "
        "Muốn sửa, hãy đề nghị quản trị viên mở lại quý (cần nêu lý do).")
