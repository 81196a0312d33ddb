"""Sao lưu: one archive with the database's content and the kept files, made through the app's
own connection while everyone keeps working (administrator and office only; the core checks).
The archive (password hashes included) is made only at the click, for the session's account
checked again then, and is never kept on a page (`kpi.web.backups.backup_download`)."""
import streamlit as st

from kpi.web import backups

st.title("Sao lưu")
st.caption("Tạo một tệp .zip chứa toàn bộ cơ sở dữ liệu và các tệp Excel đã nhận. Ứng dụng vẫn "
           "chạy bình thường trong lúc sao lưu. Khôi phục bằng lệnh "
           "`python -m kpi restore TỆP.zip --db TỆP_MỚI.duckdb` (xem README).")
backups.backup_download()
st.info("Bấm «Tạo và tải bản sao lưu»: bản sao lưu được tạo lúc bấm và tải thẳng về máy, không lưu lại "
        "trên trang. Cất tệp ở nơi khác máy chủ (ổ USB, thư mục mạng). Sao lưu tự động hằng ngày: xem "
        "mục «Sao lưu và khôi phục» trong README.")
