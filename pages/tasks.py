"""Nhiệm vụ: the task register — by unit (lead / supporting), by source document, by state; overdue and
at risk first with their lead unit and days late; one task's detail and progress; the completion rate
of a period (xlsx); importing a register workbook (the office) with the difference before confirming."""
import streamlit as st

from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, may
from kpi.domain.tasks import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    STATE_TEXT,
    STATUS_TEXT,
    period_bounds,
    rate_text,
)
from kpi.present import tasks as present
from kpi.usecases import tasks as uc
from kpi.usecases.errors import StoreError
from kpi.web import data, safe, state

catalog = data.catalog()
actor = st.session_state["_actor"]
as_of = data.as_of()
register = data.task_register()

st.title("Nhiệm vụ")
st.caption(f"Sổ theo dõi nhiệm vụ của các văn bản (kế hoạch, thông báo kết luận): rõ người, rõ việc, rõ tiến độ. "
           f"Tình trạng tính đến {as_of:%d/%m/%Y}.")
notice = st.session_state.pop("_tasks_notice", None)
if notice:
    st.success(notice)

counts = present.counts_by_state(list(register.states))
cols = st.columns(5)
cols[0].metric("Quá hạn", counts["overdue"])
cols[1].metric("Có nguy cơ chậm", counts["at_risk"])
cols[2].metric("Đúng tiến độ", counts["on_track"])
cols[3].metric("Đã hoàn thành", counts["done_on_time"] + counts["done_late"],
               f"muộn {counts['done_late']}" if counts["done_late"] else None, delta_color="off")
cols[4].metric("Thường xuyên", counts["standing"])

if not register.states:
    st.info("Sổ nhiệm vụ chưa có nhiệm vụ nào. Văn phòng nhập sổ từ tệp Excel theo mẫu (phần «Nhập sổ nhiệm vụ» "
            "bên dưới) hoặc chạy `python -m kpi tasks import TỆP --by TÊN`.")

# ── filters: unit (lead / supporting), source document, state ──
units = [None] + [u.code for u in catalog.units]
if "tasks_unit" not in st.session_state and actor.role == "coordinator" and actor.units:
    st.session_state["tasks_unit"] = actor.units[0]      # a coordinator sees their unit first
wanted_unit = st.query_params.get("unit")
if "tasks_unit" not in st.session_state and wanted_unit in units:
    st.session_state["tasks_unit"] = wanted_unit           # a link from the unit page or the overview
f1, f2, f3, f4 = st.columns([2, 1.2, 2.2, 1.6])
unit = f1.selectbox("Đơn vị", units, key="tasks_unit",
                    format_func=lambda u: "Tất cả đơn vị" if u is None else catalog.unit_name(u))
role = f2.radio("Vai trò", ["lead", "support"], horizontal=True, key="tasks_role",
                format_func=lambda r: "chủ trì" if r == "lead" else "phối hợp", disabled=unit is None)
sources = sorted({s.task.source.label for s in register.states if s.task.source})
source = f3.selectbox("Văn bản nguồn", [None, *sources], key="tasks_source",
                      format_func=lambda s: "Mọi văn bản" if s is None else s)
chosen_state = f4.selectbox("Tình trạng", [None, *STATE_TEXT], key="tasks_state",
                            format_func=lambda s: "Mọi tình trạng" if s is None else STATE_TEXT[s])
shown = list(register.states) if unit is None else register.of_unit(unit, role)
if source:
    shown = [s for s in shown if s.task.source and s.task.source.label == source]
if chosen_state:
    shown = [s for s in shown if s.state == chosen_state]
if shown:
    with st.container(key="task_board"):
        st.table(present.task_table(catalog, shown).map(safe.md), hide_index=True)
elif register.states:
    st.info("Không có nhiệm vụ nào khớp bộ lọc.")

# ── one task: detail, progress history, recording progress (rights checked in the core) ──
if register.states:
    st.subheader("Chi tiết và cập nhật tiến độ")
    ids = [s.task.id for s in shown] or [s.task.id for s in register.states]
    wanted = st.query_params.get("task")
    if wanted and wanted.removeprefix("NV").isdigit() and int(wanted.removeprefix("NV")) in ids \
            and "tasks_pick" not in st.session_state:
        st.session_state["tasks_pick"] = int(wanted.removeprefix("NV"))
    pick = st.selectbox("Nhiệm vụ", ids, key="tasks_pick",
                        format_func=lambda i: f"NV{i} · {register.task(i).task.name[:110]}")
    chosen = register.task(pick)
    if chosen is not None:
        t = chosen.task
        lead_text, support_text = register.texts.get(t.id, ("", ""))
        st.markdown(
            f"**{safe.md(t.name)}**\n\n"
            f"- Tình trạng: **{safe.md(present.state_text(chosen))}** · tiến độ: {STATUS_TEXT[chosen.status]}\n"
            f"- Thời hạn: {safe.md(present.when_text(t))}\n"
            f"- Đơn vị chủ trì: {safe.md(present.leads_text(catalog, t))}"
            + (f" (văn bản ghi: «{safe.md(lead_text)}»)" if lead_text and len(t.leads) == len(catalog.units) else "")
            + f"\n- Đơn vị phối hợp: {safe.md(present.supports_text(catalog, t) or '—')}\n"
            f"- Chủ trì chỉ đạo: {safe.md(t.leader or '—')} · sản phẩm đầu ra: {safe.md(t.output or '—')}\n"
            f"- Văn bản: {safe.md(t.source.label if t.source else '')}, mục {safe.md(t.section)}.{safe.md(t.stt)}"
            f" — {safe.md(t.source.title if t.source else '')}\n"
            + (f"- Nhóm: {safe.md(', '.join(t.tags))}\n" if t.tags else "")
            + (f"- Ghi chú: {safe.md(t.note)}\n" if t.note else ""))
        history = register.updates.get(t.id, [])
        if history:
            st.table([{"Lúc ghi": f"{u.recorded_at:%d/%m/%Y %H:%M}" if u.recorded_at else "", "Kỳ": u.period,
                       "Trạng thái": STATUS_TEXT[u.status], "Kết quả": safe.md(u.result),
                       "Ngày hoàn thành": f"{u.done_on:%d/%m/%Y}" if u.done_on else "",
                       "Người ghi": safe.md(u.recorded_by)} for u in history])
        rights_unit = None
        if actor.role == "coordinator":    # the core checks again (kpi.store.tasks.record_progress)
            own = [u for u in t.leads if u in actor.units]
            rights_unit = own[0] if own else (t.leads[0] if t.leads else "—")
        allowed = may(actor, "update_task", rights_unit)
        if allowed and not state.is_past(as_of):
            with st.form("task_progress", clear_on_submit=True, enter_to_submit=False):
                st.markdown("**Cập nhật tiến độ**")
                c1, c2 = st.columns([1, 1])
                status = c1.selectbox("Trạng thái", [IN_PROGRESS, COMPLETED, NOT_STARTED], key="task_status",
                                      format_func=lambda s: STATUS_TEXT[s])
                done_on = c2.date_input("Ngày hoàn thành (khi hoàn thành)", value=as_of, max_value=as_of,
                                        format="DD/MM/YYYY")
                result = st.text_input("Kết quả (ngắn gọn)", max_chars=500, key="task_result")
                if st.form_submit_button("Ghi tiến độ"):
                    try:
                        uc.update_task(data.connection(), catalog, actor, t.id, status, result, as_of,
                                       done_on=done_on if status == COMPLETED else None)
                    except (StoreError, PermissionDenied) as e:     # the core's refusal, in Vietnamese
                        st.error(safe.md(e))
                    else:
                        st.session_state["_tasks_notice"] = f"Đã ghi tiến độ NV{t.id}."
                        st.rerun()
            st.caption("Tài liệu kiểm chứng của nhiệm vụ gửi ở trang «Minh chứng» như của chỉ tiêu (cùng kiểm tra tệp).")
        elif actor.role == "coordinator":
            st.caption("Chỉ đầu mối của đơn vị chủ trì nhiệm vụ này (hoặc văn phòng) được cập nhật tiến độ.")

# ── completion rate of a period, as the review reports quote it ──
st.subheader("Tỷ lệ hoàn thành nhiệm vụ")
k1, k2, k3 = st.columns([1.4, 1, 1])
kinds = {"quarter": "Quý", "6": "6 tháng đầu năm", "9": "9 tháng đầu năm", "12": "Cả năm"}
kind = k1.selectbox("Kỳ", list(kinds), format_func=kinds.get, key="tasks_rate_kind")
year = k2.number_input("Năm", min_value=2020, max_value=2100, value=as_of.year, step=1, key="tasks_rate_year")
if kind == "quarter":
    q = k3.selectbox("Quý", [1, 2, 3, 4], index=Quarter.of(as_of).q - 1, key="tasks_rate_q",
                     format_func=lambda n: Quarter(int(year), n).label)
    start, end, label = period_bounds("quarter", int(year), q)
else:
    start, end, label = period_bounds("months", int(year), int(kind)) if kind != "12" else \
        period_bounds("year", int(year))
report = uc.completion_report(data.connection(), catalog, start, end, as_of, label)
st.markdown(f"**{safe.md(label)}**: {rate_text(report.overall)} (đúng hạn {report.overall.on_time}, "
            f"muộn {report.overall.late}).")
if report.by_unit:
    st.table([{"Đơn vị chủ trì": catalog.unit_name(u), "Đến hạn": c.counted, "Hoàn thành": c.done,
               "Đúng hạn": c.on_time, "Muộn": c.late, "Tỷ lệ": uc.rate_row("", c).rate_text}
              for u, c in report.by_unit])
st.download_button("Tải bảng tỷ lệ hoàn thành (.xlsx)", uc.completion_report_xlsx(catalog, report),
                   file_name=f"ty-le-hoan-thanh-nhiem-vu-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# ── importing a register (the office) ──
if may(actor, "manage_tasks"):
    st.subheader("Nhập sổ nhiệm vụ")
    st.download_button("Tải mẫu sổ nhiệm vụ (.xlsx)", uc.template_xlsx(), file_name="mau-so-nhiem-vu.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    upload = st.file_uploader("Tệp sổ nhiệm vụ (.xlsx)", key="tasks_upload")
    if upload is not None:
        raw = upload.getvalue()
        read, plan = uc.preview_import(data.connection(), catalog, raw, upload.name)
        if plan is None:
            st.error(f"Tệp bị từ chối, không ghi gì ({len(read.problems)} lỗi):")
            st.table([{"Ô": safe.md(p.where), "Lỗi": safe.md(p.detail or p.message)} for p in read.problems])
        else:
            st.markdown(f"**{safe.md(plan.source.label)}** — {len(read.tasks)} nhiệm vụ: thêm {len(plan.added)}, "
                        f"sửa {len(plan.changed)}, bỏ {len(plan.dropped)}, giữ nguyên {plan.unchanged}.")
            changes = ([{"Thay đổi": "Thêm", "Mục": f"{t.section}.{t.stt}", "Nhiệm vụ": safe.md(t.name)}
                        for t in plan.added]
                       + [{"Thay đổi": "Sửa: " + ", ".join(d), "Mục": f"{t.section}.{t.stt}", "Nhiệm vụ": safe.md(t.name)}
                          for _i, t, d in plan.changed]
                       + [{"Thay đổi": "Bỏ", "Mục": f"{t.section}.{t.stt}", "Nhiệm vụ": safe.md(t.name)}
                          for t in plan.dropped])
            if changes:
                st.table(changes)
            if plan.empty:
                st.info("Sổ đã lưu giống hệt tệp này: không có gì thay đổi.")
            elif st.button("Xác nhận nhập sổ nhiệm vụ", type="primary"):
                try:
                    uc.import_register(data.connection(), catalog, actor, raw, upload.name, plan=plan)
                except (StoreError, PermissionDenied) as e:     # the core's refusal, in Vietnamese
                    st.error(safe.md(e))
                else:
                    st.session_state["_tasks_notice"] = f"Đã nhập sổ nhiệm vụ «{plan.source.label}»."
                    st.session_state.pop("tasks_upload", None)
                    st.rerun()
