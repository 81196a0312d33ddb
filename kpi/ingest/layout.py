"""The texts the template writes and the parser looks for (one place for both)."""
DATA_SHEET = "Số liệu"
GUIDE_SHEET = "Hướng dẫn"
LABEL_UNIT = "Mã đơn vị"
LABEL_PERIOD = "Kỳ báo cáo"
LABEL_UNIT_NAME = "Đơn vị"
LABEL_COMMUNE = "Xã"
LABEL_DUE = "Hạn gửi"

COL_NO, COL_CODE, COL_NAME, COL_TARGET = "STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Mục tiêu"
COL_NUM, COL_DEN, COL_VALUE, COL_NOTE = "Tử số", "Mẫu số", "Giá trị", "Ghi chú"
HEADERS = (COL_NO, COL_CODE, COL_NAME, COL_TARGET, COL_NUM, COL_DEN, COL_VALUE, COL_NOTE)
