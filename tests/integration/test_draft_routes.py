"""The full draft behind a poster's code, over HTTP: the file with its type, name and ETag (304
when the reader has it, headers alone for HEAD), the campaign's own address or the landing page
when there is no one file to give, and a polite 404 in the reader's language for the rest."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote, quote_from_bytes

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from bot.importers.draft_files import DOCX, PDF
from bot.links import draft_path, landing_path
from bot.web.app import build_web_app
from bot.web.drafts import ascii_name, draft_routes
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.drafts import drop_files, store_file
from storage.entries import Target, entry_for
from storage.models import Document
from tests.chat import at
from tests.seed import seed_ward

NOW = at("2025-11-10 09:00")
PDF_BYTES = b"%PDF-1.4\n% bao cao chinh tri\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
DOCX_BYTES = b"PK\x03\x04 word/document.xml (stored as given: the route does not sniff)"
PDF_NAME = "Dự thảo Báo cáo chính trị.pdf"
TK_URL = "https://example.org/du-thao/tổng-kết.pdf"


@dataclass
class World:
    client: TestClient[web.Request, web.Application]
    sessions: SessionFactory
    code: dict[str, str]  # what → the poster code printed for it
    documents: dict[str, int]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """The seed ward's campaign with four drafts: bctt (a PDF, and an address), ct (a DOCX),
    tk (only an address), dl (nothing online); a poster code for the campaign and for each."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        seed = await seed_ward(session)
        campaign = seed.campaign
        assert campaign.id is not None
        extra = [
            Document(
                campaign_id=campaign.id, code="ct", title="Chương trình hành động", position=2
            ),
            Document(campaign_id=campaign.id, code="tk", title="Báo cáo tổng kết", url=TK_URL),
        ]
        session.add_all(extra)
        await session.flush()
        bctt, dl = seed.documents
        documents = {d.code: d for d in (bctt, dl, *extra)}
        ids = {code: d.id for code, d in documents.items() if d.id is not None}
        await store_file(
            session=session,
            document_id=ids["bctt"],
            name=PDF_NAME,
            content_type=PDF,
            data=PDF_BYTES,
            now=NOW,
        )
        await store_file(
            session=session,
            document_id=ids["ct"],
            name="Chương trình hành động.docx",
            content_type=DOCX,
            data=DOCX_BYTES,
            now=NOW,
        )
        targets = {
            "campaign": Target(campaign),
            "section": Target(campaign, bctt, seed.sections[0]),
            **{code: Target(campaign, d) for code, d in documents.items()},
        }
        code = {
            what: (await entry_for(session=session, target=t, now=NOW)).code
            for what, t in targets.items()
        }
        await session.commit()
    async with TestClient(TestServer(build_web_app(draft_routes(sessions)))) as client:
        yield World(client, sessions, code, ids)
    await engine.dispose()


def etag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


async def test_a_documents_poster_opens_its_pdf_inline_with_its_vietnamese_name(
    world: World,
) -> None:
    async with world.client.get(draft_path(world.code["bctt"])) as response:
        assert response.status == 200
        assert response.content_type == PDF
        assert await response.read() == PDF_BYTES
        headers = response.headers
    assert headers["Content-Disposition"] == (
        'inline; filename="Du-thao-Bao-cao-chinh-tri.pdf"; '
        "filename*=UTF-8''D%E1%BB%B1%20th%E1%BA%A3o%20B%C3%A1o%20c%C3%A1o%20ch%C3%ADnh%20tr%E1%BB%8B.pdf"
    )
    assert headers["ETag"] == etag(PDF_BYTES)
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert int(headers["Content-Length"]) == len(PDF_BYTES)


@pytest.mark.parametrize("spelling", ["GY-{c}", "gy-{c}", "gy{c_lower}", "GY {c}", " GY-{c} "])
async def test_the_code_is_read_in_any_spelling(world: World, spelling: str) -> None:
    code = world.code["section"]  # a section's poster opens its document's full text
    typed = spelling.format(c=code, c_lower=code.lower())
    url = URL(f"/q/{quote(typed, safe='')}/draft", encoded=True)
    async with world.client.get(url) as response:
        assert response.status == 200 and await response.read() == PDF_BYTES


async def test_a_reader_who_has_this_version_gets_304_and_one_who_has_another_the_file(
    world: World,
) -> None:
    path = draft_path(world.code["bctt"])
    for held in (etag(PDF_BYTES), f"W/{etag(PDF_BYTES)}", f'"old", {etag(PDF_BYTES)}', "*"):
        async with world.client.get(path, headers={"If-None-Match": held}) as response:
            assert response.status == 304, held
            assert await response.read() == b""
            assert response.headers["ETag"] == etag(PDF_BYTES)
            assert response.headers["Cache-Control"] == "public, max-age=300"
    for other in ('"0000"', "garbage", etag(DOCX_BYTES)):
        async with world.client.get(path, headers={"If-None-Match": other}) as response:
            assert response.status == 200, other
            assert await response.read() == PDF_BYTES


async def test_head_gives_the_headers_without_the_bytes(world: World) -> None:
    async with world.client.head(draft_path(world.code["bctt"])) as response:
        assert response.status == 200
        assert response.content_type == PDF
        assert response.headers["Content-Length"] == str(len(PDF_BYTES))
        assert response.headers["ETag"] == etag(PDF_BYTES)
        assert response.headers["Content-Disposition"].startswith("inline; ")
        assert await response.read() == b""


async def test_a_word_file_is_downloaded(world: World) -> None:
    async with world.client.get(draft_path(world.code["ct"])) as response:
        assert response.status == 200 and response.content_type == DOCX
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="Chuong-trinh-hanh-dong.docx"; '
            "filename*=UTF-8''Ch%C6%B0%C6%A1ng%20tr%C3%ACnh%20h%C3%A0nh%20%C4%91%E1%BB%99ng.docx"
        )
        assert await response.read() == DOCX_BYTES


async def test_a_draft_only_online_elsewhere_sends_the_reader_there(world: World) -> None:
    async with world.client.get(draft_path(world.code["tk"]), allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == str(URL(TK_URL))
        assert "%E1%BB%95" in response.headers["Location"]  # «ổ», encoded for the header


async def test_a_draft_with_nothing_online_sends_the_reader_to_the_landing_page(
    world: World,
) -> None:
    code = world.code["dl"]
    async with world.client.get(draft_path(code), allow_redirects=False) as response:
        assert response.status == 302 and response.headers["Location"] == landing_path(code)


async def test_a_campaign_poster_opens_its_one_hosted_draft_or_lets_the_reader_choose(
    world: World,
) -> None:
    code = world.code["campaign"]
    async with world.client.get(draft_path(code), allow_redirects=False) as response:
        # Two hosted drafts (bctt, ct): the landing page lists them.
        assert response.status == 302 and response.headers["Location"] == landing_path(code)
    async with world.sessions() as session:
        await drop_files(session=session, document_ids=[world.documents["ct"]])
        await session.commit()
    async with world.client.get(draft_path(code), allow_redirects=False) as response:
        assert response.status == 200 and await response.read() == PDF_BYTES


async def test_a_campaign_poster_picks_a_document_by_its_code(world: World) -> None:
    code = world.code["campaign"]
    async with world.client.get(draft_path(code, "ct")) as response:
        assert response.status == 200 and await response.read() == DOCX_BYTES
    async with world.client.get(draft_path(code, "BCTT")) as response:
        assert response.status == 200 and await response.read() == PDF_BYTES
    async with world.client.get(draft_path(code, "tk"), allow_redirects=False) as response:
        assert response.status == 302 and response.headers["Location"] == str(URL(TK_URL))
    # Any poster of the campaign may name another of its documents.
    async with world.client.get(draft_path(world.code["dl"], "ct")) as response:
        assert response.status == 200 and await response.read() == DOCX_BYTES


@pytest.mark.parametrize(
    ("path", "accept", "words"),
    [
        ("/q/GY-22222/draft", None, "Không tìm thấy dự thảo"),
        ("/q/GY-22222/draft", "en-US,en;q=0.9,vi;q=0.8", "Draft not found"),
        ("/q/abc/draft", "fr, en;q=0.5", "Please check the code printed under the QR code."),
        ("/q/GY-22222/draft/bctt", "vi-VN, en;q=0.9", "Vui lòng kiểm tra lại mã"),
        ("CAMPAIGN/nope", "en", "Draft not found"),
        ("CAMPAIGN/" + "x" * 65, None, "Không tìm thấy dự thảo"),
    ],
)
async def test_an_unknown_code_or_document_is_a_polite_404_in_the_readers_language(
    world: World, path: str, accept: str | None, words: str
) -> None:
    path = path.replace("CAMPAIGN", draft_path(world.code["campaign"]))
    headers = {"Accept-Language": accept} if accept else {}
    async with world.client.get(path, headers=headers) as response:
        assert response.status == 404
        assert response.content_type == "text/html"
        assert words in await response.text()


async def test_a_404_speaks_the_language_the_reader_chose_on_the_landing_page(
    world: World,
) -> None:
    """The landing page's toggle (``?lang=``, kept in the ``lang`` cookie) wins over the
    browser's header, on the draft's pages as on the landing page."""
    path = draft_path(world.code["campaign"], "nope")
    vietnamese_phone = {"Accept-Language": "vi-VN,vi;q=0.9"}
    async with world.client.get(f"{path}?lang=en", headers=vietnamese_phone) as response:
        assert response.status == 404 and "Draft not found" in await response.text()
    world.client.session.cookie_jar.update_cookies({"lang": "en"})
    async with world.client.get(path, headers=vietnamese_phone) as response:
        assert response.status == 404 and "Draft not found" in await response.text()
        assert response.headers["Content-Language"] == "en"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_ascii_name_keeps_letters_digits_and_the_extension() -> None:
    assert ascii_name("Dự thảo Điều lệ Đảng (bổ sung).pdf") == "Du-thao-Dieu-le-Dang-bo-sung.pdf"
    assert ascii_name("../../etc/passwd") == "etc-passwd"
    assert ascii_name("“”.docx") == "du-thao.docx"
    assert ascii_name("Dự thảo v1.2") == "Du-thao-v1.2"
    assert ascii_name("") == "du-thao"


SEGMENTS = st.one_of(
    st.text(max_size=80).map(lambda s: quote(s, safe="")),
    st.binary(max_size=40).map(lambda b: quote_from_bytes(b, safe="")),
    st.sampled_from(["%", "%zz", "%C3", "..", ".", "GY-", "gy-%00ABCD", "GY-AAAAA%0A"]),
)


@given(code=SEGMENTS, document=SEGMENTS, method=st.sampled_from(["GET", "HEAD"]))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
async def test_no_path_is_a_server_error(
    world: World, code: str, document: str, method: str
) -> None:
    real = draft_path(world.code["campaign"])
    for path in (f"/q/{code}/draft", f"/q/{code}/draft/{document}", f"{real}/{document}"):
        url = URL(path, encoded=True)
        async with world.client.request(method, url, allow_redirects=False) as response:
            assert response.status < 500, path
