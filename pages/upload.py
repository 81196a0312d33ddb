"""Nhập số liệu: template → filled workbook → validation report → preview → confirm."""
import hashlib

import streamlit as st

from kpi.domain.periods import Month
from kpi.domain.rights import PermissionDenied, may
from kpi.ingest import annotate_workbook
from kpi.present import tables
from kpi.reports.template import build_template
from kpi.usecases.errors import Conflict, StoreError
from kpi.usecases.history import upload_history
from kpi.usecases.importing import import_workbook, refuse_lost_pairs
from kpi.usecases.preview import preview_figures
from kpi.web import auth, data, safe, state


def show_problems(problems) -> None:
    """Every problem as wrapped text (readable on a phone, never cut at 1366): the row (STT)
    and the criterion first, what is wrong, then the cell, what was typed and what is needed."""
    lines = []
    for r in tables.problems_table(problems).itertuples(index=False):
        where, detail, cell, typed, needed = (safe.md(x) for x in r)
        extra = "".join([f" · đã nhập «{typed}»" if typed else "", f" · cần: {needed}" if needed else ""])
        lines.append(f"{len(lines) + 1}. **{where}**: {detail}  \n   _{cell}_{extra}")
    with st.container(key="upload-problems"):
        st.markdown("\n".join(lines))


catalog = data.catalog()
actor = auth.actor()
if not may(actor, "record_submission"):
    st.error("Tài khoản của bạn chỉ được xem, không được nhập số liệu.")
    st.stop()
st.title("Nhập số liệu tháng")
st.caption(f"Số liệu tháng M gửi trước ngày {catalog.due_day} tháng M+{catalog.due_month_offset}. "
           "Mỗi lần nhập được lưu thành một phiên bản mới; bản cũ vẫn được giữ.")

st.subheader("1. Tải mẫu Excel")
units = [None] + [u.code for u in catalog.units]
if actor.role == "coordinator":   # a coordinator's own unit(s) first
    units = list(actor.units) + [None] + [u for u in units if u is not None and u not in actor.units]
months = tables.template_months(state.today())
cols = st.columns([2, 1, 1], vertical_alignment="bottom")
unit = cols[0].selectbox("Đơn vị", units, key="template_unit",
                         format_func=lambda c: "Tất cả đơn vị (mỗi đơn vị một trang)" if c is None
                         else f"{c} — {catalog.unit_name(c)}")
month = Month.parse(cols[1].selectbox("Tháng báo cáo", [str(m) for m in months], index=1,
                                      key="template_month",
                                      format_func=lambda s: Month.parse(s).label))
cols[2].download_button("Tải mẫu", lambda: build_template(catalog, month, unit),
                        file_name=f"mau-so-lieu-{unit or 'tat-ca'}-{month}.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        icon=":material/download:", width="stretch")

st.subheader("2. Gửi tệp đã điền")
st.caption(f"Người nhập: {safe.md(auth.who_caption(actor))}")
# any type is accepted here: the core checks type and size and says what is wrong in Vietnamese
upload = st.file_uploader("Tệp Excel đã điền (.xlsx)", key="upload_file")
if upload is None:
    # the uploader's button reads «Chọn tệp» (style.css swaps Streamlit's English word)
    st.info("Bấm nút «Chọn tệp» hoặc kéo thả tệp mẫu đã điền vào ô trên; hệ thống "
            "kiểm tra tệp trước, chưa ghi gì cho đến khi bạn xác nhận.")
    st.stop()

workbook = upload.getvalue()
digest = hashlib.sha256(workbook).hexdigest()
# once per file, commune and day, not per rerun
check = safe.checked_upload(digest, upload.name, workbook, catalog.commune, state.today())
# a Tử số without its Mẫu số (or the reverse) may not replace a pair already stored for that month
check = refuse_lost_pairs(data.connection(), catalog, check)
name = upload.name   # escaped where it is written

st.subheader("3. Kết quả kiểm tra")
if not check.ok:
    st.error(f"Tệp «{safe.md(name)}» có {len(check.problems)} lỗi; chưa nhập gì vào cơ sở dữ liệu. "
             "Hãy sửa các ô dưới đây rồi gửi lại.")
    show_problems(check.problems)
    # the annotated copy costs a second read of the file: only when asked for
    if st.button("Tạo tệp đánh dấu lỗi", icon=":material/edit_note:", key="annotate"):
        try:
            marked = annotate_workbook(workbook, check.problems)
        except ValueError:  # not a readable workbook (FileRefused): nothing to annotate
            marked = None
        if marked:
            st.download_button("Tải tệp đã đánh dấu lỗi", marked,
                               file_name=f"da-danh-dau-loi-{digest[:8]}.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               icon=":material/download:")
        else:
            st.info("Tệp này không phải sổ tính Excel đọc được nên không đánh dấu được.")
    st.stop()

st.success(f"Tệp «{safe.md(name)}» hợp lệ: {len(check.submissions)} bảng số liệu.")
if check.warnings:
    st.warning("Lưu ý:\n" + "\n".join(f"- {safe.md(w)}" for w in check.warnings))

not_own = [s.unit for s in check.submissions if not may(actor, "record_submission", s.unit)]
if not_own:
    st.error(f"Tài khoản «{safe.md(actor.login)}» chỉ được nhập số liệu cho đơn vị của mình "
             f"({', '.join(actor.units)}); tệp này có số liệu của đơn vị {', '.join(sorted(set(not_own)))}. "
             "Chưa ghi gì.")
    st.stop()

# the versions the preview is made against: a confirm after another version landed is refused
seen = st.session_state.setdefault("preview_versions", {}).setdefault(digest, {})
for sub in check.submissions:
    if (sub.unit, sub.period) not in seen:
        h = upload_history(data.connection(), catalog.commune, sub.unit, sub.period)
        accepted = h[h["status"] == "accepted"]
        seen[(sub.unit, sub.period)] = int(accepted["version"].iloc[0]) if len(accepted) else 0
done = st.session_state.get("imported")
imported = bool(done and done[0] == digest)
for sub in [] if imported else check.submissions:   # once stored, a preview would compare it with itself
    st.markdown(f"**{safe.md(catalog.unit_name(sub.unit))} · {Month.parse(sub.period).label}**")
    preview = preview_figures(data.connection(), catalog, sub)
    st.caption(tables.preview_summary(preview))
    # a static table wraps on a phone; its cells are Markdown, so every text is escaped
    st.table(tables.preview_table(catalog, preview).map(safe.md), hide_index=True)

st.subheader("4. Xác nhận")
if imported:
    changed, units = (done[2], done[3]) if len(done) > 3 else (True, [])
    if changed:
        st.success("Đã nhập số liệu. " + " ".join(safe.md(line) for line in done[1]) + " Các trang đã dùng số liệu mới.")
    else:   # the same figures sent again: say so plainly
        st.info("Không có gì thay đổi: tệp này giống hệt số liệu đang lưu. " + " ".join(safe.md(line) for line in done[1]))
    for unit in units:    # where to see the result
        st.page_link("pages/unit.py", label=f"Xem kết quả của {safe.md(catalog.unit_name(unit))}",
                     icon=":material/arrow_forward:", query_params=state.link_params(unit=unit))
    st.stop()
rollback = st.session_state.get("rollback_asked")
confirm = st.button("Xác nhận nhập số liệu", type="primary")
confirm_rollback = False
if rollback and rollback[0] == digest:
    st.warning(safe.md(rollback[1]))
    confirm_rollback = st.button(f"Xác nhận quay về phiên bản {rollback[2]}", key="confirm_rollback")
if confirm or confirm_rollback:
    with st.status("Đang nhập số liệu…", expanded=True) as status:
        try:
            result = import_workbook(data.connection(), catalog, workbook, upload.name, actor,
                                     data.uploads_dir(), expected=dict(seen), allow_rollback=confirm_rollback)
        except Conflict as e:
            status.update(label="Chưa nhập được số liệu", state="error")
            if e.kind == "rollback":
                st.session_state["rollback_asked"] = (digest, str(e), e.version)
                st.rerun()
            st.session_state["preview_versions"].pop(digest, None)   # review again
            st.error(safe.md(e))
            st.stop()
        except (StoreError, PermissionDenied) as e:
            status.update(label="Chưa nhập được số liệu", state="error")
            st.error(safe.md(e))
            st.stop()
        if not result.ok:
            status.update(label="Chưa nhập được số liệu", state="error")
            show_problems(result.check.problems)
            st.stop()
        lines = [tables.outcome_text(catalog, o) for o in result.outcomes]
        status.update(label="Đã nhập số liệu", state="complete")
    st.session_state["imported"] = (digest, lines, any(o.created for o in result.outcomes),
                                    sorted({o.unit for o in result.outcomes}))
    st.session_state.pop("rollback_asked", None)
    st.rerun()  # the frame re-reads the figures: the new month appears in the period picker
