"""The letterheads of the seed letters (``shared/seeds/``), as units would set them, with the
lines each prints: issuer, number, date, «Nơi nhận:» and the signing block."""

from __future__ import annotations

from dataclasses import dataclass

from storage.letterheads import Letterhead, Recipient, Signer


@dataclass(frozen=True)
class SeedLayout:
    letterhead: Letterhead
    header: list[str]  # the issuer's lines and the star, in caps as printed
    number: str  # with the number "38"
    date: str  # on 27/10/2025
    recipients: list[str]  # after "Nơi nhận:", the archive line last
    signer: list[str]  # the signing block without the blank lines for the signature


# 001, second letter: Thành ủy Hà Nội's board, signed by a deputy head (K/T), e-mail given.
HANOI_BOARD = SeedLayout(
    Letterhead(
        parent="Thành ủy Hà Nội",
        issuer="Ban Tuyên giáo và Dân vận",
        sign="BTGDVTU",
        place="Hà Nội",
        recipients=(
            Recipient("Ban Tuyên giáo và Dân vận TW", "để b/cáo"),
            Recipient("Thường trực Thành ủy", "để b/cáo"),
            Recipient("Đ/c Trưởng Ban TGDVTU"),
            Recipient("Như đề gửi", "để thực hiện"),
            Recipient("Các phòng c/môn và Văn phòng Ban", "để phối hợp"),
        ),
        archive="Lưu VT, TT - TH",
        signer=Signer("K/T", "Trưởng Ban", "Phó Trưởng Ban", "Nguyễn Hoàng Sơn"),
    ),
    header=["THÀNH ỦY HÀ NỘI", "BAN TUYÊN GIÁO VÀ DÂN VẬN", "*"],
    number="Số 38-BC/BTGDVTU",
    date="Hà Nội, ngày 27 tháng 10 năm 2025",
    recipients=[
        "- Ban Tuyên giáo và Dân vận TW (để b/cáo),",
        "- Thường trực Thành ủy (để b/cáo),",
        "- Đ/c Trưởng Ban TGDVTU,",
        "- Như đề gửi (để thực hiện),",
        "- Các phòng c/môn và Văn phòng Ban (để phối hợp),",
        "- Lưu VT, TT - TH.",
    ],
    signer=["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Nguyễn Hoàng Sơn"],
)

# 001, first letter: the Party-building board of Ngọc Hà ward (the seed's "BXDD" is its OCR
# of BXDĐ; kept as the seed prints it).
NGOC_HA_BOARD = SeedLayout(
    Letterhead(
        parent="Đảng ủy phường Ngọc Hà",
        issuer="Ban Xây dựng Đảng",
        sign="BXDD",
        place="Ngọc Hà",
        recipients=(
            Recipient("Ban TGDV TU", "để báo cáo"),
            Recipient("Thường trực Đảng ủy", "để báo cáo"),
            Recipient("Như trên", "để phối hợp thực hiện"),
        ),
        archive="Lưu BXDD",
        signer=Signer("K/T", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Vũ Hồng Thanh"),
    ),
    header=["ĐẢNG ỦY PHƯỜNG NGỌC HÀ", "BAN XÂY DỰNG ĐẢNG", "*"],
    number="Số 38-BC/BXDD",
    date="Ngọc Hà, ngày 27 tháng 10 năm 2025",
    recipients=[
        "- Ban TGDV TU (để báo cáo),",
        "- Thường trực Đảng ủy (để báo cáo),",
        "- Như trên (để phối hợp thực hiện),",
        "- Lưu BXDD.",
    ],
    signer=["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Vũ Hồng Thanh"],
)

# 003: Lai Châu, the party committee of the provincial People's Committee, signed for its
# standing board (T/M BAN THƯỜNG VỤ) by the deputy secretary.
LAI_CHAU = SeedLayout(
    Letterhead(
        parent="Đảng bộ tỉnh Lai Châu",
        issuer="Đảng ủy Ủy ban nhân dân tỉnh",
        sign="ĐU",
        place="Lai Châu",
        recipients=(
            Recipient("Như trên"),
            Recipient("Thường trực Tỉnh ủy", "b/c"),
            Recipient("Thường trực Đảng ủy", "b/c"),
            Recipient("Các chi, đảng bộ cơ sở"),
        ),
        archive="Lưu VPĐU, BTGDVĐU",
        signer=Signer("T/M", "Ban Thường vụ", "Phó Bí thư", "Tổng Thanh Hải"),
    ),
    header=["ĐẢNG BỘ TỈNH LAI CHÂU", "ĐẢNG ỦY ỦY BAN NHÂN DÂN TỈNH", "*"],
    number="Số 38-BC/ĐU",
    date="Lai Châu, ngày 27 tháng 10 năm 2025",
    recipients=[
        "- Như trên,",
        "- Thường trực Tỉnh ủy (b/c),",
        "- Thường trực Đảng ủy (b/c),",
        "- Các chi, đảng bộ cơ sở,",
        "- Lưu VPĐU, BTGDVĐU.",
    ],
    signer=["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Tổng Thanh Hải"],
)

SEEDS = {"hanoi-board": HANOI_BOARD, "ngoc-ha-board": NGOC_HA_BOARD, "lai-chau": LAI_CHAU}
