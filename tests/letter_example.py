"""A realistic weekly report of a Hanoi ward, for the letter's tests, benchmark and a look."""

from __future__ import annotations

import datetime
import random

from bot.render.letter_docx import (
    CountTable,
    Issuer,
    LetterSection,
    Paragraph,
    ReportLetter,
    Signature,
    vietnamese_number,
)

NGOC_HA = Issuer(
    parent="Đảng bộ Thành phố Hà Nội",
    name="Đảng ủy phường Ngọc Hà",
    short="ĐU",
    place="Ngọc Hà",
)
COUNT_COLUMNS = (
    "Chi bộ",
    "Tin, bài",
    "Hội nghị, hội thảo, tọa đàm",
    "Lượt người tham dự",
    "Thư, ý kiến góp ý",
)
SPECIAL_CELLS = ("Chi bộ Trường THCS Ngọc Hà", "Chi bộ Trạm Y tế phường")
HIGHLIGHTS = (
    "Nhiều ý kiến đồng tình với việc đặt chuyển đổi số và phát triển kinh tế tư nhân là động "
    "lực quan trọng; đề nghị làm rõ hơn trách nhiệm của người đứng đầu khi chậm triển khai.",
    "Bà con quan tâm đến việc sắp xếp tổ dân phố sau khi hợp nhất phường, đề nghị giữ ổn định "
    "đội ngũ cán bộ cơ sở và bảo đảm chế độ cho tổ trưởng, tổ phó.",
    "Cựu chiến binh và hội viên người cao tuổi góp ý nên viết ngắn gọn, dễ hiểu hơn phần đánh "
    "giá kết quả 40 năm đổi mới.",
    "Ý kiến tập trung vào công tác phòng, chống tham nhũng, lãng phí; đề nghị công khai kết "
    "quả xử lý các vụ việc ở cơ sở.",
)
EXPECTATIONS = (
    "Kỳ vọng Đại hội XIV có chính sách mạnh hơn về nhà ở xã hội cho người thu nhập thấp ở đô "
    "thị và chăm lo người cao tuổi.",
    "Đề nghị bổ sung nội dung về bảo vệ môi trường, xử lý rác thải và chống ngập úng ở các khu "
    "dân cư cũ.",
    "Mong muốn thủ tục hành chính trên ứng dụng VNeID đơn giản hơn, có người hướng dẫn tại tổ "
    "dân phố cho người lớn tuổi.",
)


def cell_names(count: int) -> list[str]:
    """The party cells of the ward: residential groups, a school and the health station."""
    names = list(SPECIAL_CELLS[: min(count, len(SPECIAL_CELLS))])
    names[:0] = [f"Chi bộ Tổ dân phố số {n}" for n in range(1, count - len(names) + 1)]
    return names


def count_table(names: list[str], seed: int = 20251112) -> CountTable:
    """This week's counts per cell; the last cell has not reported, so its counts are blank."""
    rng = random.Random(seed)
    rows: list[list[str | int | None]] = []
    for name in names[:-1]:
        meetings = rng.randint(1, 4)
        people = meetings * rng.randint(25, 120)
        rows.append([name, rng.randint(0, 6), meetings, people, rng.randint(3, 40)])
    rows.append([names[-1], None, None, None, None])
    totals: list[str | int | None] = ["Tổng cộng"]
    for index in range(1, len(COUNT_COLUMNS)):
        totals.append(sum(value for row in rows if isinstance(value := row[index], int)))
    return CountTable(
        columns=COUNT_COLUMNS,
        rows=rows,
        totals=totals,
        caption="Kết quả tổ chức lấy ý kiến của các chi bộ trong tuần",
    )


def quotes(names: list[str], texts: tuple[str, ...], every: int) -> list[Paragraph]:
    """Answers of some of the cells, quoted with the cell's name."""
    return [
        Paragraph(texts[index % len(texts)], quote_from=name)
        for index, name in enumerate(names[::every])
    ]


def example_letter(cells: int = 12, *, number: str | None = "12") -> ReportLetter:
    """The weekly report of the ward Ngọc Hà over ``cells`` party cells."""
    names = cell_names(cells)
    table = count_table(names)
    reported = len(names) - 1
    return ReportLetter(
        issuer=NGOC_HA,
        number=number,
        date=datetime.date(2025, 11, 12),
        subject=(
            "kết quả lấy ý kiến góp ý vào dự thảo các văn kiện trình Đại hội XIV của Đảng, "
            "tuần từ 06/11 đến 12/11/2025"
        ),
        sections=[
            LetterSection(
                "Công tác lãnh đạo, chỉ đạo",
                [
                    Paragraph(
                        "Thực hiện Công văn số 32-CV/BTGDVTU ngày 27/10/2025 của Ban Tuyên giáo "
                        "và Dân vận Thành ủy, Ban Thường vụ Đảng ủy phường đã chỉ đạo các chi bộ "
                        "trực thuộc, Mặt trận Tổ quốc và các tổ chức chính trị - xã hội phường "
                        "triển khai đợt cao điểm lấy ý kiến góp ý của cán bộ, đảng viên và Nhân "
                        "dân vào dự thảo các văn kiện trình Đại hội XIV của Đảng."
                    ),
                    Paragraph(
                        f"Trong tuần, {reported}/{len(names)} chi bộ đã gửi báo cáo đúng hạn; "
                        f"{names[-1]} chưa gửi báo cáo."
                    ),
                ],
            ),
            LetterSection(
                "Công tác thông tin, tuyên truyền",
                [
                    Paragraph(
                        "Các chi bộ tuyên truyền qua hội nghị, hệ thống loa truyền thanh của "
                        "phường, nhóm Zalo của các tổ dân phố, trang thông tin điện tử phường, "
                        "băng rôn, áp phích và tờ rơi có mã QR để tải toàn văn dự thảo."
                    ),
                    Paragraph(f"Số lượng tin, bài đã đăng: {_total(table, 1)} tin, bài."),
                ],
            ),
            LetterSection(
                "Kết quả tổ chức lấy ý kiến",
                subsections=[
                    LetterSection(
                        "Số lượng hội nghị, hội thảo, tọa đàm đã tổ chức trong tuần",
                        [
                            Paragraph(
                                f"Toàn phường tổ chức {_total(table, 2)} hội nghị, hội thảo, "
                                f"tọa đàm với {_total(table, 3)} lượt người tham dự."
                            )
                        ],
                    ),
                    LetterSection(
                        "Số lượng thư và ý kiến góp ý",
                        [Paragraph(f"Tiếp nhận {_total(table, 4)} thư và ý kiến góp ý.")],
                        table=table,
                    ),
                ],
            ),
            LetterSection(
                "Những vấn đề nổi bật, những nhóm ý kiến Nhân dân tập trung nhiều",
                quotes(names, HIGHLIGHTS, 2),
            ),
            LetterSection(
                "Những nội dung Nhân dân kỳ vọng, góp ý, bổ sung vào dự thảo các văn kiện",
                quotes(names[1:], EXPECTATIONS, 3),
            ),
            LetterSection(
                "Khó khăn, vướng mắc và đề xuất",
                [
                    Paragraph(
                        "Một số người cao tuổi chưa sử dụng được ứng dụng VNeID; đề nghị Ban "
                        "Tuyên giáo và Dân vận Thành ủy cung cấp thêm tài liệu in tóm tắt dự "
                        "thảo cho các tổ dân phố."
                    )
                ],
            ),
        ],
        recipients=[
            "Ban Tuyên giáo và Dân vận Thành ủy (để báo cáo)",
            "Thường trực Đảng ủy phường",
            "Các chi bộ trực thuộc",
        ],
        signature=Signature(title="Phó Bí thư", name="Nguyễn Thị Lan Hương"),
    )


def _total(table: CountTable, column: int) -> str:
    value = table.totals[column] if table.totals else None
    return vietnamese_number(value) if isinstance(value, int) else "—"
