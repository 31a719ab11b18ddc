"""Garbage at the web form, through the aiohttp test client: random bodies, content types,
field names and spellings of the address, with and without the browser's token. Whatever
arrives, the answer is a page and never a 5xx; nothing but a form with its token is stored."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from scheduler.clock import FrozenClock
from storage.models import Comment
from tests.web_pages import serve_pages

CONTENT_TYPES = [
    "multipart/form-data; boundary=B",
    "multipart/form-data",
    'multipart/form-data; boundary="B"; charset=latin-1',
    "multipart/mixed; boundary=B",
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain",
    "",
    "multipart/form-data; boundary=" + "B" * 80,
    "multipart/form-data; boundary*=UTF-8''%C3%BD",
]
FIELDS = ["text", "photos", "csrf", "website", "ward", "stance", "category", "name", "phone"]


def part(name: str, filename: str | None, content_type: str | None, data: bytes) -> bytes:
    head = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        head += f'; filename="{filename}"'
    if content_type is not None:
        head += f"\r\nContent-Type: {content_type}"
    return b"--B\r\n" + head.encode("utf-8", "surrogatepass") + b"\r\n\r\n" + data + b"\r\n"


bodies = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda parts, end, cut: (b"".join(parts) + end)[: cut if cut else None],
        st.lists(
            st.builds(
                part,
                st.sampled_from(FIELDS) | st.text(max_size=8),
                st.none() | st.text(max_size=8),
                st.none() | st.sampled_from(["image/png", "image/jpeg", "text/html", "x"]),
                st.binary(max_size=300) | st.sampled_from([b"agree", b"12", b"\xff", b"%PDF"]),
            ),
            max_size=6,
        ),
        st.sampled_from([b"--B--\r\n", b"--B--", b"", b"--B", b"junk"]),
        st.none() | st.integers(min_value=0, max_value=800),
    ),
)

# Forms a browser could send, with odd values: these reach the comment's own checks.
values = st.sampled_from(
    [b"", b"agree", b"partly", b"worker", b"12", b"-1", b"99999999999999", b"\xc3\xbd", b" "]
) | st.text(max_size=50).map(lambda text: text.encode("utf-8", "surrogatepass"))
forms = st.builds(
    lambda text, parts: part("text", None, None, text.encode()) + b"".join(parts) + b"--B--\r\n",
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.lists(
        st.builds(
            part,
            st.sampled_from(FIELDS),
            st.just(None),
            st.just(None),
            values,
        )
        | st.builds(
            part,
            st.just("photos"),
            st.sampled_from(["a.jpg", ""]),
            st.sampled_from(["image/jpeg", "image/png", "application/octet-stream"]),
            st.binary(max_size=200),
        ),
        max_size=8,
    ),
)
cases = st.tuples(bodies, st.sampled_from(CONTENT_TYPES) | st.text(max_size=40)) | st.tuples(
    forms, st.just("multipart/form-data; boundary=B")
)


async def test_garbage_is_answered_4xx_never_5xx(database_url: str, clock: FrozenClock) -> None:
    async with serve_pages(database_url, clock) as pages:
        code = pages.codes.city
        token = await pages.csrf(code)
        loop = asyncio.get_running_loop()
        statuses: Counter[int] = Counter()

        async def post(path: str, body: bytes, content_type: str, signed: bool) -> int:
            if signed:  # the browser's token first, so the rest is read as a real form is
                body = part("csrf", None, None, token.encode()) + body
            response = await pages.client.post(
                path,
                data=body,
                headers={"Content-Type": content_type} if content_type else {},
                allow_redirects=False,
            )
            await response.read()
            return response.status

        @given(
            case=cases,
            signed=st.booleans(),
            path=st.sampled_from([f"/q/GY-{code}", f"/q/gy{code.lower()}", "/q/GY-22222"]),
        )
        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        )
        def check(case: tuple[bytes, str], signed: bool, path: str) -> None:
            body, content_type = case
            if any(ch in content_type for ch in "\r\n\x00") or not content_type.isprintable():
                return  # not a header value a client can send
            # The server runs in the test's event loop; Hypothesis drives it from this thread.
            sent = asyncio.run_coroutine_threadsafe(post(path, body, content_type, signed), loop)
            status = sent.result(timeout=60)
            statuses[status] += 1
            assert 300 <= status < 500 or status == 200, status

        await asyncio.to_thread(check)
        async with pages.runtime.db.sessions() as session:
            stored = (await session.execute(select(func.count()).select_from(Comment))).scalar()
    assert set(statuses) <= {200, 303, 400, 403, 404, 413, 429}, statuses
    # A comment is only ever stored from a well-formed form with its token: rare here.
    assert stored is not None and stored <= statuses[303]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        # RFC 2231 names the charset of a parameter: one that cannot decode with "replace"
        # (idna), or is no text codec (undefined), raised from the standard library: a 500.
        ("multipart/form-data; boundary*=idna''B", b"--B\r\n"),
        ("multipart/form-data; boundary*=undefined''B", b"--B\r\n"),
        ("multipart/form-data; boundary*=punycode''%ffB", b"--B\r\n"),
        (
            "multipart/form-data; boundary=B",
            b"--B\r\nContent-Disposition: form-data; name*=idna''text\r\n\r\nx\r\n--B--\r\n",
        ),
    ],
)
async def test_a_parameter_in_a_charset_that_cannot_decode_is_a_400(
    database_url: str, clock: FrozenClock, content_type: str, body: bytes
) -> None:
    async with serve_pages(database_url, clock) as pages:
        code = pages.codes.section
        await pages.csrf(code)
        response = await pages.client.post(
            f"/q/GY-{code}", data=body, headers={"Content-Type": content_type}
        )
        assert response.status == 400, await response.text()
        assert "Ý kiến chưa đến đầy đủ" in await response.text()
