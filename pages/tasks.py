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
    Source,
    period_bounds,
    rate_text,
)
from kpi.evidence.checks import EvidenceRefused
from kpi.present import tasks as present
from kpi.usecases import evidence as ev
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
if "tasks_unit" not in st.session_state and wanted_unit is not None and wanted_unit in units:
    st.session_state["tasks_unit"] = wanted_unit           # a link from the unit page or the overview
f1, f2, f3, f4 = st.columns([2, 1.2, 2.2, 1.6])
unit = f1.selectbox("Đơn vị", units, key="tasks_unit", placeholder="Tất cả đơn vị",
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
# each task's evidence (every quarter; an obligation's task: the obligation's), through the evidence machinery
evidence_of = ev.task_evidence(data.connection(), catalog, [s.task for s in register.states])
if shown:
    with st.container(key="task_board"):
        st.table(present.task_table(catalog, shown, {i: present.evidence_text(e.count, e.state_text)
                                                     for i, e in evidence_of.items()}).map(safe.md),
                 hide_index=True)
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
            f"- Văn bản: {safe.md(t.source.label if t.source else '')}, {safe.md(present.place(t))}"
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
        elif actor.role == "coordinator":
            st.caption("Chỉ đầu mối của đơn vị chủ trì nhiệm vụ này (hoặc văn phòng) được cập nhật tiến độ.")
        # ── the task's evidence: the same checks, review and rights as a criterion's (checked in the core) ──
        mine = evidence_of.get(t.id)
        st.markdown("**Minh chứng của nhiệm vụ:** " + (
            f"{safe.md(present.evidence_text(mine.count, mine.state_text))} (gần nhất: {Quarter.parse(mine.quarter).label})"
            if mine and mine.quarter else "chưa có tài liệu nào."))
        st.page_link("pages/evidence.py", label="Xem, duyệt minh chứng ở trang «Minh chứng»",
                     icon=":material/folder_open:")
        sent = st.session_state.pop("_task_evidence_notice", None)
        if sent:
            (st.error if sent[0] == "error" else st.success)(safe.md(sent[1]))
        if may(actor, "attach_evidence", rights_unit) and not state.is_past(as_of):
            quarter = Quarter.of(as_of)     # the quarter of the day it is sent (kpi.usecases.evidence)
            with st.form("task_evidence", clear_on_submit=True):
                st.markdown(f"**Gửi minh chứng cho NV{t.id}** ({quarter.label})")
                files = st.file_uploader("Tệp (PDF, ảnh PNG/JPEG, Word .docx, Excel .xlsx)", accept_multiple_files=True,
                                         type=["pdf", "png", "jpg", "jpeg", "docx", "xlsx"], key="task_evidence_files")
                link = st.text_input("Hoặc liên kết (http/https)", key="task_evidence_link")
                note = st.text_input("Mô tả tài liệu", key="task_evidence_note", placeholder="Biên bản nghiệm thu")
                if st.form_submit_button("Gửi minh chứng", icon=":material/upload_file:"):
                    done, problems = [], []
                    conn, key = data.connection(), f"TASK:{t.id}"
                    for f in files or []:
                        try:
                            ev.attach_file(conn, catalog, data.settings().evidence_dir, actor, quarter, key, None,
                                           f.getvalue(), f.name, note)
                            done.append(f"«{f.name}»")
                        except (EvidenceRefused, PermissionDenied, StoreError) as e:   # the core's refusal
                            problems.append(str(e))
                    if link.strip():
                        try:
                            ev.attach_link(conn, catalog, actor, quarter, key, None, link, note)
                            done.append("liên kết")
                        except (EvidenceRefused, PermissionDenied, StoreError) as e:
                            problems.append(str(e))
                    if not done and not problems:
                        problems.append("Hãy chọn tệp hoặc nhập một liên kết.")
                    st.session_state["_task_evidence_notice"] = (
                        "error" if problems else "success",
                        " ".join(([f"Đã gửi {', '.join(done)} cho NV{t.id}."] if done else []) + problems))
                    st.rerun()

# ── adding or editing one task (the office; rights checked and audited in the core) ──
if may(actor, "manage_tasks") and not state.is_past(as_of):
    st.subheader("Thêm hoặc sửa một nhiệm vụ")
    picked = register.task(st.session_state.get("tasks_pick")) if register.states else None
    modes = ["new"] + (["edit"] if picked is not None else [])
    mode = st.radio("Việc cần làm", modes, horizontal=True, key="task_form_mode",
                    format_func=lambda m: "Thêm nhiệm vụ mới" if m == "new"
                    else f"Sửa NV{picked.task.id} (nhiệm vụ đang chọn ở trên)")
    base = picked.task if mode == "edit" and picked is not None else None
    docs = uc.source_choices(data.connection(), catalog)
    keys = [d.key for d in docs]
    NEW_DOC = "__new__"
    doc_pick = st.selectbox("Văn bản nguồn", [*keys, NEW_DOC], key=f"task_form_doc_{mode}",
                            index=keys.index(base.source.key) if base and base.source and base.source.key in keys else 0,
                            format_func=lambda k: "Văn bản mới…" if k == NEW_DOC else
                            f"{docs[keys.index(k)].label} — {docs[keys.index(k)].title[:80]}")
    form_key = f"task_form_{base.id if base else 'new'}"
    with st.form(form_key, clear_on_submit=False):
        if doc_pick == NEW_DOC:
            d1, d2, d3 = st.columns([1, 1, 1])
            doc_kind = d1.text_input("Loại văn bản", key=f"{form_key}_doc_kind", placeholder="Kế hoạch, Thông báo, Công văn…")
            doc_number = d2.text_input("Số, ký hiệu", key=f"{form_key}_doc_number", placeholder="15/KH-UBND")
            doc_date = d3.date_input("Ngày văn bản", key=f"{form_key}_doc_date", value=None, format="DD/MM/YYYY")
            doc_title = st.text_input("Trích yếu", key=f"{form_key}_doc_title")
            source = Source(doc_kind.strip(), doc_number.strip(), doc_date, doc_title.strip())
        else:
            source = docs[keys.index(doc_pick)] if doc_pick in keys else None
        source_err = st.empty()
        c1, c2, c3 = st.columns([1, 1, 4])
        section = c1.text_input("Mục", key=f"{form_key}_section", value=base.section if base else "", placeholder="II")
        stt = c2.text_input("STT", key=f"{form_key}_stt", value=base.stt if base else "", placeholder="1")
        section_title = c3.text_input("Tên mục", key=f"{form_key}_section_title", value=base.section_title if base else "")
        stt_err = st.empty()
        name = st.text_area("Tên nhiệm vụ", key=f"{form_key}_name", value=base.name if base else "", height=80)
        name_err = st.empty()
        leader = st.text_input("Chủ trì chỉ đạo", key=f"{form_key}_leader", value=base.leader if base else "", placeholder="Phó Chủ tịch UBND xã")
        codes = [u.code for u in catalog.units]
        leads = st.multiselect("Đơn vị chủ trì", codes, key=f"{form_key}_leads", default=list(base.leads) if base else [],
                               format_func=catalog.unit_name, placeholder="Chọn một hay nhiều đơn vị")
        leads_err = st.empty()
        supports = st.text_input("Đơn vị phối hợp (tên hoặc mã, cách nhau bằng «;»)", key=f"{form_key}_supports",
                                 value=register.texts.get(base.id or 0, ("", ""))[1] if base else "",
                                 placeholder="Văn phòng HĐND và UBND xã; Công an thành phố")
        supports_err = st.empty()
        output = st.text_input("Sản phẩm đầu ra", key=f"{form_key}_output", value=base.output if base else "", placeholder="Văn bản/Báo cáo")
        when = st.text_input("Thời gian thực hiện/hoàn thành", key=f"{form_key}_time", value=base.rule.text if base else "",
                             placeholder="trước ngày 10/7/2026 · Tháng 4/2026 · Quý II/2026 · Thường xuyên")
        when_err = st.empty()
        t1, t2 = st.columns([1, 2])
        tags = t1.text_input("Nhóm (cách nhau bằng «;»)", key=f"{form_key}_tags", value="; ".join(base.tags) if base else "",
                             placeholder="KHCN; ATTT")
        note = t2.text_input("Ghi chú", key=f"{form_key}_note", value=base.note if base else "")
        submitted = st.form_submit_button("Ghi nhiệm vụ" if base is None else f"Ghi sửa đổi NV{base.id}",
                                          type="primary")
    if submitted:
        form = uc.TaskForm(source, section, stt, name, leader, tuple(leads), supports, output, when, tags, note,
                           section_title)
        try:
            tid = uc.save_task_form(data.connection(), catalog, actor, form, base.id if base else None)
        except uc.TaskFormRefused as e:     # each message next to its field
            slots = {"source": source_err, "stt": stt_err, "name": name_err, "leads": leads_err,
                     "supports": supports_err, "time": when_err}
            for field, message in e.fields.items():
                slots[field].error(safe.md(message))
        except (StoreError, PermissionDenied) as e:     # the core's refusal, in Vietnamese
            st.error(safe.md(e))
        else:
            st.session_state["_tasks_notice"] = (f"Đã thêm nhiệm vụ NV{tid}." if base is None
                                                 else f"Đã ghi sửa đổi NV{tid}.")
            st.rerun()

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
    st.download_button("Tải mẫu sổ nhiệm vụ (.xlsx)", uc.template_xlsx, file_name="mau-so-nhiem-vu.xlsx",
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
