"""Sao lưu: one archive with the database's content and the kept files, made through the app's
own connection while everyone keeps working (administrator and office only; the core checks)."""
import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st

from kpi.usecases.backup import make_backup
from kpi.web import auth, data

st.title("Sao lưu")
st.caption("Tạo một tệp .zip chứa toàn bộ cơ sở dữ liệu và các tệp Excel đã nhận. Ứng dụng vẫn "
           "chạy bình thường trong lúc sao lưu. Khôi phục bằng lệnh "
           "`python -m kpi restore TỆP.zip --db TỆP_MỚI.duckdb` (xem README).")

if st.button("Tạo bản sao lưu", type="primary", icon=":material/backup:", key="make_backup"):
    with st.spinner("Đang sao lưu…"), tempfile.TemporaryDirectory() as tmp:
        name = f"sao-luu-kpi-{dt.datetime.now():%Y-%m-%d-%H%M}.zip"
        archive = make_backup(data.connection(), auth.actor(), data.uploads_dir(), Path(tmp) / name)
        st.session_state["backup"] = (name, archive.read_bytes())

done = st.session_state.get("backup")
if done:
    name, content = done
    st.success(f"Đã tạo bản sao lưu ({len(content) / 1024 / 1024:.1f} MB).")
    st.download_button("Tải bản sao lưu", content, file_name=name, mime="application/zip",
                       icon=":material/download:", key="download_backup")
else:
    st.info("Bấm «Tạo bản sao lưu» rồi tải tệp về, cất ở nơi khác máy chủ (ổ USB, thư mục mạng). "
            "Sao lưu tự động hằng ngày: xem mục «Sao lưu và khôi phục» trong README.")
