"""Office files made the same way give the same bytes: zip members dated by the document's
own day, not by the clock that wrote them."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

CORE = "docProps/core.xml"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def restamp(data: bytes, day: datetime.date) -> bytes:
    """``data`` (a zip: XLSX) rewritten with every member dated ``day`` 00:00 and the core
    properties' modification time set to it (the XLSX writer puts the clock's time there)."""
    when = (max(day.year, 1980), day.month, day.day, 0, 0, 0)  # the zip format starts in 1980
    stamp = f"{day.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == CORE:
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, content)
    return out.getvalue()
