"""Build the shipped sample task registers (data/samples/nhiem-vu/*.xlsx) from the source documents:
the 2026 plan's assignment appendix (004, Thái Tân), the conclusions of the meeting of 29/6/2026 (002,
Nghi Dương) and the tasks of the letter implementing Thông báo số 294/TB-VP (000, Cẩm Giang), with
their real dates and units. Run: `.venv/bin/python scripts/build_task_samples.py`."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpi.reports.tasks import Section, register_xlsx  # noqa: E402

OUT = ROOT / "data" / "samples" / "nhiem-vu"
PCT = "Đồng chí Phạm Trung Dũng, Phó Chủ tịch UBND xã"
CT = "Đồng chí Đặng Văn Duy, Chủ tịch UBND xã"
ALL = "Các cơ quan chuyên môn, đơn vị thuộc xã"
VHXH, VP, KT, CA = "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND xã", "Phòng Kinh tế", "Công an xã"
TTPV, TTDV = "Trung tâm Phục vụ hành chính công", "Trung tâm Dịch vụ sự nghiệp công"
BC = "Văn bản/Báo cáo"
ADJ = "Nhiệm vụ điều chỉnh (Chương trình số 02-CTr/BCĐTW)"
ADD2 = "Nhiệm vụ bổ sung (Chương trình số 02-CTr/BCĐTW)"
ADD4 = "Nhiệm vụ bổ sung (Kế hoạch số 04-KH/BCĐTW)"

PLAN_004 = [
    Section("I", "Công tác chỉ đạo, điều hành và tổ chức thực hiện", (
        ("1", "Tổ chức phổ biến, quán triệt chủ trương, nâng cao nhận thức của cán bộ, lãnh đạo quản lý các cấp về "
              "Nghị quyết số 57-NQ/TW; triển khai sâu rộng phong trào «Bình dân học vụ số», «học tập số»",
         PCT, ALL, "Các đơn vị liên quan", "Văn bản/Kế hoạch", "Thường xuyên", "", "KHCN"),
        ("2", "Thường xuyên sử dụng Hệ thống thông tin giám sát, đánh giá việc thực hiện Nghị quyết số 57-NQ/TW "
              "trong chỉ đạo, điều hành; đôn đốc thực hiện các chỉ tiêu, nhiệm vụ được giao",
         PCT, VHXH, ALL, BC, "Thường xuyên", "", "KHCN"),
        ("3", "Tiếp nhận, phản hồi ý kiến của tổ chức, cá nhân qua Hệ thống pakn.nq57.vn; báo cáo Trung ương các "
              "sáng kiến đột phá, đặt hàng sản phẩm KHCN, ĐMST, CĐS",
         PCT, VHXH, "Các phòng, đơn vị liên quan", BC, "Thường xuyên", "", "KHCN"),
        ("4", "Chủ động rà soát quy trình, hạ tầng, hệ thống, dữ liệu, nhân lực, tài chính; có phương án bảo đảm "
              "nguồn lực đáp ứng yêu cầu thực tiễn",
         PCT, "Các phòng, đơn vị", VHXH, BC, "Thường xuyên", "", "KHCN"),
    )),
    Section("II", "Về chuyển đổi số, dữ liệu và chính quyền số", (
        ("1", "Rà soát, nâng cấp, bảo đảm điều kiện tối thiểu phục vụ chuyển đổi số tại xã: đường truyền, chữ ký "
              "số cá nhân, máy tính cấu hình tối thiểu, cán bộ phụ trách CNTT, Mô hình chuyển đổi số cấp xã",
         PCT, f"{VHXH}, {VP}", "Các phòng, đơn vị liên quan", BC, "Quý II/2026", ADJ, "KHCN; CĐS"),
        ("2", "Phối hợp với Ban Cơ yếu Chính phủ cấp đầy đủ chứng thư số cho lãnh đạo và cán bộ chuyên môn; khắc "
              "phục triệt để lỗi của các hệ thống thông tin",
         PCT, VHXH, "Các phòng, đơn vị", BC, "Quý II/2026", "", "KHCN; CĐS"),
        ("3", "Bảo đảm an toàn hệ thống thông tin theo cấp độ; hồ sơ công việc phát sinh mới trên môi trường điện "
              "tử; 100% đơn vị gửi nhận văn bản điện tử có ký số; số hóa tài liệu lưu trữ và 100% quy trình lõi",
         PCT, ALL, f"{VHXH}, {VP}", BC, "Thường xuyên", "", "KHCN; CĐS"),
        ("4", "Rà soát, cắt giảm, đơn giản hóa thủ tục hành chính dựa trên dữ liệu; số hóa đầy đủ hồ sơ và kết quả "
              "giải quyết TTHC; chỉ cung cấp thông tin một lần; bố trí đủ nhân sự giải quyết TTHC",
         PCT, "Các phòng chuyên môn", TTPV, BC, "Thường xuyên", ADJ, "KHCN; CĐS"),
    )),
    Section("III", "Về nhân lực", (
        ("1", "Rà soát, đào tạo, bồi dưỡng chuyên sâu cho cán bộ chuyên trách chuyển đổi số và an toàn thông tin; "
              "đào tạo, bồi dưỡng 100% trên Nền tảng Bình dân học vụ số quốc gia",
         PCT, VHXH, ALL, "Kế hoạch/Văn bản/Báo cáo", "Thường xuyên", "", "KHCN"),
        ("2", "Tập huấn kỹ năng số cho cán bộ, công chức, viên chức; duy trì Tổ công nghệ số cộng đồng, nhà văn "
              "hóa thôn làm điểm tiếp cận số",
         PCT, VHXH, ALL, "Kế hoạch/Lớp tập huấn", "Thường xuyên", ADJ, "KHCN"),
        ("3", "Bảo đảm nhân lực chuyên trách CNTT, chuyển đổi số; bồi dưỡng kiến thức KHCN, ĐMST, kỹ năng số gắn với "
              "vị trí việc làm; củng cố mô hình vận hành của Trung tâm Phục vụ hành chính công",
         PCT, f"{VHXH}; {TTPV}", "Các cơ quan chuyên môn, đơn vị thuộc phường", "Kế hoạch/Văn bản/Báo cáo",
         "Thường xuyên; định kỳ hàng tháng báo cáo kết quả", ADD2, "KHCN"),
    )),
    Section("IV", "Về an ninh, an toàn thông tin và bảo vệ thông tin bí mật Nhà nước", (
        ("1", "Quán triệt nguyên tắc «An ninh mạng là điều kiện tiên quyết của chuyển đổi số»; triển khai giải pháp "
              "bảo đảm an toàn hệ thống thông tin theo cấp độ",
         PCT, f"{VP}; {TTPV}", "Các phòng, đơn vị", BC,
         "Nhiệm vụ thường xuyên; định kỳ hằng tháng báo cáo kết quả", ADD4, "KHCN; ATTT"),
        ("2", "Tổ chức thẩm định, phê duyệt cấp độ an toàn thông tin đối với toàn bộ các hệ thống thông tin trọng yếu "
              "do xã trực tiếp quản lý, vận hành",
         PCT, f"{VP}; {CA}", "Công an thành phố", BC, "Tháng 4/2026", ADD4, "KHCN; ATTT"),
        ("3", "Báo cáo sự cố trong vòng 24 giờ nếu xảy ra; tuân theo sự điều phối ứng phó sự cố của lực lượng "
              "chuyên trách bảo vệ an ninh mạng Bộ Công an",
         PCT, f"{VP}; {CA}", "Công an thành phố", BC, "Thường xuyên", ADD4, "KHCN; ATTT"),
        ("4", "Triển khai tổng thể các giải pháp giám sát, bảo đảm an ninh mạng, bảo mật thông tin, an ninh dữ liệu "
              "cho các hệ thống thông tin trong phạm vi quản lý",
         PCT, f"{VP}; {CA}", "Công an thành phố", BC, "Tháng 4/2026", ADD4, "KHCN; ATTT"),
        ("5", "Triển khai mô hình bảo đảm an toàn thông tin «4 lớp»: lực lượng tại chỗ, giám sát 24/7, kiểm tra "
              "độc lập, kết nối hệ thống giám sát an ninh mạng quốc gia",
         PCT, f"{VP}; {CA}", "Công an thành phố", BC, "Tháng 4/2026", ADD4, "KHCN; ATTT"),
        ("6", "Lãnh đạo, chỉ đạo, kiểm tra, đôn đốc công tác bảo đảm an ninh mạng, bảo mật thông tin, an ninh dữ "
              "liệu; đưa chỉ số bảo đảm an ninh mạng vào đánh giá cán bộ, người đứng đầu",
         CT, f"{VP}; {CA}", "Các phòng, đơn vị", BC, "Thường xuyên", ADD4, "KHCN; ATTT"),
    )),
    Section("V", "Về tài chính, kinh phí cho KHCN, ĐMST, CDS", (
        ("1", "Rà soát, điều chỉnh, hoàn thiện đăng ký kinh phí và kế hoạch vốn năm 2026 phù hợp với tình hình thực "
              "tiễn và kế hoạch hoạt động",
         PCT, f"{VHXH}; {KT}", "Các phòng, đơn vị liên quan", BC, "Tháng 4/2026", ADD2, "KHCN"),
        ("2", "Triển khai thực chất và giải ngân theo đúng tiến độ công việc, không để chậm trễ, ảnh hưởng đến mục "
              "tiêu, tiến độ chung của Nghị quyết số 57-NQ/TW",
         PCT, f"{VHXH}; {KT},", "Các phòng, đơn vị liên quan", BC, "Tháng 12/2026", ADD2, "KHCN"),
        ("3", "Đăng ký kinh phí cho KHCN, ĐMST, CĐS theo hướng dẫn của Sở Khoa học và Công nghệ và Sở Tài chính",
         PCT, f"{VHXH}; {KT}", "Các phòng, đơn vị liên quan", BC, "Tháng 12/2026", ADD2, "KHCN"),
    )),
]

NGHI_DUONG_002 = [
    Section("I", "Về chuyển đổi số", (
        ("1", "Thống kê máy tính của các phòng, đơn vị; ký hợp đồng cài đặt phần mềm phòng chống mã độc Kaspersky "
              "cho 100% máy tính thuộc UBND xã; hoàn thiện hồ sơ nghiệm thu, biên bản cài đặt, tài liệu kiểm chứng",
         "", VHXH, "", "Hợp đồng/Biên bản nghiệm thu", "trước ngày 10/7/2026", "", "ATTT; CĐS"),
        ("2", "Tham mưu hoàn thiện Hệ thống tường lửa/giám sát truy nhập bảo vệ mạng LAN trong cơ quan bằng nguồn "
              "kinh phí chuyển đổi số",
         "", VHXH, "", "Hợp đồng/Biên bản nghiệm thu", "trong tháng 7/2026", "", "ATTT; CĐS"),
        ("3", "Đầu mối theo dõi chung công tác chuyển đổi số; định kỳ hằng quý tổng hợp kết quả từng tiêu chí, "
              "báo cáo Chủ tịch UBND xã", "", VHXH, "", BC, "Thường xuyên", "", "CĐS"),
        ("4", "Duy trì cập nhật văn bản chỉ đạo, mô hình hay về chuyển đổi số trên Cổng thông tin điện tử xã; tăng "
              "số lượng tin, bài; ký số văn bản trên phần mềm HpNet", "", VP, "", "Tin, bài", "Thường xuyên", "",
         "CĐS"),
        ("5", "Rà soát toàn bộ thủ tục hành chính, đặc biệt thủ tục toàn trình; nâng cao tỷ lệ hồ sơ trực tuyến "
              "toàn trình, bảo đảm chỉ tiêu được giao", "", TTPV, "Các phòng chuyên môn", BC, "Thường xuyên", "",
         "CĐS"),
        ("6", "Xây dựng kế hoạch trang bị wifi miễn phí tại 17 nhà văn hóa thôn, phân công cán bộ phụ trách; báo "
              "cáo Chủ tịch UBND xã kế hoạch thực hiện", "", TTDV, "Các phòng, đơn vị liên quan", "Kế hoạch",
         "trước ngày 04/7/2026", "", "CĐS"),
        ("7", "Chỉ đạo Đài truyền thanh xã hoàn thiện hồ sơ đầu tư hệ thống truyền thanh không dây; tăng tin, bài "
              "phát thanh và trên trang facebook của xã", "", TTDV, "", "Hồ sơ/Tin, bài", "Thường xuyên", "", "CĐS"),
        ("8", "Tham mưu giải pháp nâng cao tỷ lệ tiếp nhận, giải quyết TTHC toàn trình thuộc ngành quản lý (thủ "
              "tục «Đăng ký cai nghiện ma túy tự nguyện»)", "", CA, "", BC, "Thường xuyên", "", "CĐS; Đề án 06"),
        ("9", "Nhập đầy đủ dữ liệu trên các phần mềm, cơ sở dữ liệu chuyên ngành; chụp ảnh màn hình, lưu tài liệu "
              "minh chứng; hoàn thiện hồ sơ kiểm chứng ngay sau khi hoàn thành từng nhiệm vụ", "",
         "Các phòng chuyên môn", "", "Tài liệu kiểm chứng", "Thường xuyên", "", "CĐS"),
    )),
    Section("II", "Về xây dựng mô hình Chủ nghĩa xã hội gắn với con người xã hội chủ nghĩa giai đoạn 2026-2030", (
        ("1", "Tổ chức hội nghị triển khai Chương trình hành động thực hiện Đề án số 04-ĐA/TU và Nghị quyết số "
              "05-NQ/TU; phân công nhiệm vụ đến từng phòng, đơn vị",
         "Đồng chí Lưu Thị Tươi, Phó Chủ tịch UBND xã", VP, "Các phòng chuyên môn", "Hội nghị/Văn bản",
         "trước ngày 10/7/2026", "Văn bản giao Phó Chủ tịch chủ trì; Văn phòng tham mưu tổ chức", ""),
    )),
]

CAM_GIANG_000 = [
    Section("I", "Nhiệm vụ về chuyển đổi số và xây dựng chính quyền số", (
        ("1", "Rà soát tổng thể hạ tầng CNTT, trang thiết bị phục vụ chuyển đổi số tại trụ sở UBND xã, Trung tâm "
              "Phục vụ hành chính công, trường học, Trạm Y tế và các thôn; xây dựng báo cáo hiện trạng và nhu cầu "
              "đầu tư gửi UBND xã", "", VHXH, VP, "Báo cáo", "trước ngày 10/7/2026", "", "CĐS; KHCN"),
        ("2", "Tăng cường sử dụng văn bản điện tử, chữ ký số, hồ sơ công việc điện tử; cập nhật dữ liệu trên các "
              "hệ thống thông tin, phần mềm chuyên ngành", "", "Các bộ phận chuyên môn", "", "", "Thường xuyên", "",
         "CĐS"),
    )),
    Section("II", "Nhiệm vụ xây dựng, làm sạch và khai thác dữ liệu", (
        ("1", "Rà soát, cập nhật dữ liệu đất đai, tài nguyên môi trường, hiện trạng sử dụng đất; chuẩn hóa dữ liệu",
         "", KT, "", "Dữ liệu", "Thường xuyên", "", "CĐS"),
        ("2", "Rà soát, chuẩn hóa cơ sở dữ liệu cán bộ, công chức, người hoạt động không chuyên trách", "", VHXH, "",
         "Dữ liệu", "Thường xuyên", "", "CĐS"),
    )),
    Section("III", "Triển khai Đề án 06 và phát triển công dân số", (
        ("1", "Tuyên truyền, hướng dẫn người dân sử dụng tài khoản định danh điện tử VNeID mức độ 2; tổng hợp mô "
              "hình hay trong triển khai Đề án 06", "", CA, "", BC, "Thường xuyên", "", "Đề án 06"),
        ("2", "Quản lý hồ sơ sức khỏe điện tử; hướng dẫn sử dụng Sổ sức khỏe điện tử trên VNeID; số hóa hồ sơ "
              "khám, chữa bệnh theo lộ trình của ngành y tế", "", "Trạm Y tế xã", "", BC, "Thường xuyên", "",
         "Đề án 06"),
        ("3", "Chuyển đổi số trong quản lý, dạy học; hồ sơ điện tử, thanh toán không dùng tiền mặt", "",
         "Các trường học", "", BC, "Thường xuyên", "", "Đề án 06"),
    )),
    Section("IV", "Cải cách hành chính và thông tin tuyên truyền", (
        ("1", "Rà soát, đề xuất đơn giản hóa thủ tục hành chính thuộc thẩm quyền giải quyết", "", VP, "", BC,
         "Thường xuyên", "", "CĐS"),
        ("2", "Kiểm tra, rà soát toàn bộ hồ sơ quá hạn, bị từ chối hoặc trả lại; xác định nguyên nhân, trách "
              "nhiệm; đề xuất biện pháp khắc phục", "", TTPV, "", BC, "Thường xuyên", "", "CĐS"),
        ("3", "Tuyên truyền về KHCN, ĐMST, chuyển đổi số, Đề án 06, tiện ích VNeID, dịch vụ công trực tuyến, thanh "
              "toán không dùng tiền mặt", "", TTDV, "", "Tin, bài", "Thường xuyên", "", "CĐS; Đề án 06"),
    )),
    Section("V", "Tổ chức thực hiện", (
        ("1", "Xây dựng kế hoạch triển khai; định kỳ báo cáo kết quả thực hiện về UBND xã trước ngày 18 hằng tháng",
         "", "Các phòng, đơn vị", VP, "Báo cáo", "Thường xuyên; định kỳ hằng tháng báo cáo kết quả", "", "CĐS"),
    )),
]

SAMPLES = {
    "004-ke-hoach-thai-tan-2026.xlsx": (
        "Kế hoạch", "…/KH-UBND", None,
        "Triển khai các nhiệm vụ tại Chương trình công tác số 01-CTr/BCĐ ngày 09/01/2026 của Ban Chỉ đạo phát "
        "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số thành phố (Phụ lục phân công)", PLAN_004),
    "002-thong-bao-ket-luan-29-6-2026.xlsx": (
        "Thông báo", "…/TB-UBND", None,
        "Kết luận của Chủ tịch UBND xã tại hội nghị đánh giá bộ chỉ tiêu chấm điểm kết quả ứng dụng CNTT, chuyển "
        "đổi số cấp xã hàng quý (hội nghị ngày 29/6/2026)", NGHI_DUONG_002),
    "000-trien-khai-thong-bao-294.xlsx": (
        "Công văn", "…/UBND-VP", None,
        "V/v triển khai thực hiện Thông báo số 294/TB-VP ngày 12/6/2026 của Văn phòng UBND thành phố về phát "
        "triển khoa học, công nghệ, đổi mới sáng tạo, CĐS và Đề án 06", CAM_GIANG_000),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (kind, number, issued, title, sections) in SAMPLES.items():
        (OUT / name).write_bytes(register_xlsx(kind, number, issued, title, sections))
        print(OUT / name)


if __name__ == "__main__":
    main()
