"""Sao lưu: one archive with the database's content and the kept files, made through the app's
own connection while everyone keeps working (administrator and office only; the core checks).
The archive (password hashes included) is made only when the browser follows the one-time link
the click gives, for the session's account checked again then, and is never kept on a page nor
on the server (`kpi.web.backups.backup_download`)."""
import streamlit as st

from kpi.web import backups

st.title("Sao lưu")
st.caption("Tạo một tệp .zip chứa toàn bộ cơ sở dữ liệu và các tệp Excel đã nhận. Ứng dụng vẫn "
           "chạy bình thường trong lúc sao lưu. Khôi phục bằng lệnh "
           "`python -m kpi restore TỆP.zip --db TỆP_MỚI.duckdb` (xem README).")
backups.backup_download()
st.info("Bấm «Tạo và tải bản sao lưu» rồi bấm liên kết «Tải về máy» hiện ra (dùng một lần, trong một "
        "phút): bản sao lưu được tạo lúc đó và tải thẳng về máy, không lưu lại trên trang hay máy chủ. "
        "Cất tệp ở nơi khác máy chủ (ổ USB, thư mục mạng). Sao lưu tự động hằng ngày: xem mục «Sao lưu "
        "và khôi phục» trong README.")
