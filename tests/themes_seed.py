"""Comments on the demo ward's campaign for the themes tests: a few clear groups of opinions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.codes import ALPHABET
from storage.models import Comment, CommentStatus
from storage.themes import Scope
from tests.chat import at
from tests.seed import Seed

NOW = at("2025-11-10 09:00")

# Four groups anyone (and any grouping engine) tells apart.
GROUPS: dict[str, list[str]] = {
    "land": [
        "Đề nghị làm rõ chính sách bồi thường giải phóng mặt bằng cho người dân",
        "Bồi thường giải phóng mặt bằng còn chậm, người dân chịu thiệt",
        "Giải phóng mặt bằng phải công khai giá bồi thường",
        "Cần đẩy nhanh giải phóng mặt bằng và bồi thường thỏa đáng",
        "giai phong mat bang cham, boi thuong thap",
    ],
    "school": [
        "Trường học quá tải, sĩ số lớp học quá đông",
        "Cần xây thêm trường học vì lớp học quá đông học sinh",
        "Sĩ số lớp học đông, giáo viên không đủ, trường học chật",
        "truong hoc qua tai, lop hoc dong",
    ],
    "corruption": [
        "Kiên quyết phòng chống tham nhũng, lãng phí trong bộ máy",
        "Xử lý nghiêm cán bộ tham nhũng, lãng phí tài sản công",
        "Phòng chống tham nhũng lãng phí phải làm thường xuyên",
        "chong tham nhung lang phi can quyet liet hon",
    ],
    "bus": [
        "Mở thêm tuyến xe buýt điện về các phường ngoại thành",
        "Xe buýt điện cần chạy dày hơn vào giờ cao điểm",
        "Tuyến xe buýt điện nên có điểm dừng gần chợ",
    ],
}


def receipt(n: int) -> str:
    """A valid, distinct receipt code for the ``n``-th test comment."""
    digits = []
    for _ in range(6):
        n, rest = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[rest])
    return "YK-" + "".join(reversed(digits))


class Writer:
    """Adds comments to a campaign as citizens would have sent them."""

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.count = 0

    @property
    def scope(self) -> Scope:
        assert self.seed.campaign.id is not None
        return Scope(self.seed.campaign.id, self.seed.documents[0].id, self.seed.sections[0].id)

    async def add(
        self,
        session: AsyncSession,
        text: str,
        *,
        unit_id: int | None = None,
        status: CommentStatus = CommentStatus.RECEIVED,
    ) -> Comment:
        self.count += 1
        comment = Comment(
            receipt=receipt(self.count),
            campaign_id=self.scope.campaign_id,
            document_id=self.scope.document_id,
            section_id=self.scope.section_id,
            text=text,
            channel="telegram",
            fingerprint=hashlib.sha256(f"{self.count}{text}".encode()).hexdigest(),
            created_at=NOW + timedelta(minutes=self.count),
            status=status,
            unit_id=unit_id if unit_id is not None else self.seed.ward.id,
        )
        session.add(comment)
        await session.flush()
        return comment

    async def add_groups(self, session: AsyncSession) -> dict[str, list[Comment]]:
        return {
            name: [await self.add(session, text) for text in texts]
            for name, texts in GROUPS.items()
        }
