"""A web form's body as fields and files: read whole within a limit (``bot.web.intake``),
then taken apart in memory, ``multipart/form-data`` or ``application/x-www-form-urlencoded``.

The body is read first and parsed after, so a form arriving in pieces is the same as one
arriving at once, an oversized one is refused as soon as it is known to be (413), and
whatever is wrong with the bytes is one exception, ``Broken`` (400), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qsl

from aiohttp import web

from bot.web.intake import Broken, read_body

# A form of ours has a dozen fields and a few photos; more parts is not a browser.
MAX_PARTS = 64
MAX_HEADER_BYTES = 4096  # of one part's headers
_MAX_BOUNDARY = 70  # RFC 2046


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent in a form field."""

    name: str
    content_type: str
    data: bytes
    filename: str = ""  # as the browser names it: anything, never a path to open


@dataclass(frozen=True, slots=True)
class FormBody:
    fields: dict[str, str] = field(default_factory=dict)  # the first value of each name
    files: list[Upload] = field(default_factory=list)

    def text(self, name: str) -> str:
        return self.fields.get(name, "")

    def uploads(self, name: str) -> list[Upload]:
        """The files of field ``name``; an empty file input (nothing chosen) sends none."""
        return [upload for upload in self.files if upload.name == name and upload.data]


async def read_form(request: web.Request, limit: int) -> FormBody:
    """The form in the request's body; ``TooLarge`` past ``limit`` bytes, ``Broken`` if it
    is cut short, malformed, not a form, or not UTF-8."""
    kind, params = _header_params(request.headers.get("Content-Type", ""))
    if kind not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise Broken("not a form")
    raw = await read_body(request, limit)
    if kind == "application/x-www-form-urlencoded":
        return _urlencoded(raw)
    return _multipart(raw, params.get("boundary", ""))


def _urlencoded(raw: bytes) -> FormBody:
    try:
        pairs = parse_qsl(
            raw.decode("ascii"), keep_blank_values=True, max_num_fields=MAX_PARTS, errors="strict"
        )
    except ValueError as error:  # not ASCII, a %-escape that is not UTF-8, too many fields
        raise Broken("malformed form") from error
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return FormBody(fields)


def _multipart(raw: bytes, boundary: str) -> FormBody:
    if not 1 <= len(boundary) <= _MAX_BOUNDARY or not boundary.isascii():
        raise Broken("no boundary")
    # Each part follows CRLF "--boundary"; the body's first delimiter has no CRLF before it.
    pieces = (b"\r\n" + raw).split(b"\r\n--" + boundary.encode())
    fields: dict[str, str] = {}
    files: list[Upload] = []
    closed = False
    for count, piece in enumerate(pieces[1:]):  # pieces[0]: the preamble, ignored (RFC 2046)
        if piece.startswith(b"--"):
            closed = True  # the close delimiter; what follows is the epilogue
            break
        if count >= MAX_PARTS:
            raise Broken("too many parts")
        name, filename, content_type, data = _part(piece)
        if filename is None:
            try:
                fields.setdefault(name, data.decode("utf-8"))
            except UnicodeDecodeError as error:
                raise Broken("a field is not UTF-8") from error
        else:
            files.append(Upload(name, content_type, data, filename))
    if not closed:
        raise Broken("cut short")  # no close delimiter: the body did not arrive whole
    return FormBody(fields, files)


def _part(piece: bytes) -> tuple[str, str | None, str, bytes]:
    """A part's field name, file name (None: not a file), content type and data."""
    # After the delimiter: optional blanks (transport padding), CRLF, headers, CRLF CRLF.
    line_end = piece.find(b"\r\n")
    if line_end < 0 or piece[:line_end].strip(b" \t"):
        raise Broken("malformed delimiter")
    head_end = piece.find(b"\r\n\r\n", line_end)
    if head_end < 0 or head_end - line_end > MAX_HEADER_BYTES:
        raise Broken("malformed part headers")
    try:
        head = piece[line_end + 2 : head_end].decode("utf-8")
    except UnicodeDecodeError as error:
        raise Broken("part headers are not UTF-8") from error
    headers: dict[str, str] = {}
    for line in head.split("\r\n"):
        if not line:
            continue
        header, colon, value = line.partition(":")
        if not colon:
            raise Broken("malformed part header")
        headers.setdefault(header.strip().lower(), value.strip())
    disposition, params = _header_params(headers.get("content-disposition", ""))
    name = params.get("name")
    if disposition != "form-data" or not name:
        raise Broken("a part without a field name")
    content_type = _header_params(headers.get("content-type", ""))[0]
    return name, params.get("filename"), content_type, piece[head_end + 4 :]


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """``multipart/form-data; boundary="x"`` → (``multipart/form-data``, {boundary: x}),
    with quoting and RFC 2231 undone by the standard library's header parser; ``Broken`` for
    a parameter in a charset that does not decode."""
    message = Message()
    # A header value with a line break would start another header: there is none in one.
    message["X"] = value.replace("\r", " ").replace("\n", " ")
    kind = value.split(";", 1)[0].strip().lower()
    params: dict[str, str] = {}
    for key, raw in message.get_params(header="X", failobj=[])[1:]:
        try:
            # RFC 2231 names the charset (``name*=utf-8''…``): some codecs refuse "replace"
            # (idna) or are no codec at all (undefined), and the standard library lets that out.
            params.setdefault(key.lower(), collapse_rfc2231_value(raw))
        except (UnicodeError, LookupError) as error:
            raise Broken("a parameter in a charset that does not decode") from error
    return kind, params
