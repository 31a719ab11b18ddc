"""Files handed out as links: signed, expiring URLs served by gopy's web app.

Zalo cannot send files, so an export or a poster goes to a Zalo user as a link instead. The
link names the file and its expiry and carries an HMAC of both: it cannot be forged or kept
alive, and a wrong one is a 404 whatever is wrong with it (no oracle for guessing).
Files live in memory, bounded in number and bytes: links die with the process, which is
acceptable for a download meant for the next few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import mimetypes
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from scheduler.clock import Clock

DEFAULT_TTL = timedelta(hours=24)
MAX_FILES = 200
MAX_BYTES = 200 << 20
MAC_CHARS = 32  # 128 bits of HMAC-SHA256, in hex
# file id . expiry (epoch seconds) . MAC. [0-9]: str.isdigit() takes "²" (int() then fails)
# and \d takes "٣"; the lengths keep int() far from its 4,300-digit limit.
_TOKEN = re.compile(rf"([0-9]{{1,18}})\.([0-9]{{1,12}})\.([0-9a-f]{{{MAC_CHARS}}})")


@dataclass(frozen=True, slots=True)
class Kept:
    name: str
    data: bytes
    expires_at: datetime


class Shelf:
    def __init__(self, clock: Clock, secret: bytes | None = None, base_url: str = "") -> None:
        self.clock = clock
        # A fresh secret per process unless one is given: links then die with the process,
        # like the files they point to.
        self._key = secret or secrets.token_bytes(32)
        self.base_url = base_url.rstrip("/")
        self._files: OrderedDict[int, Kept] = OrderedDict()
        self._ids = itertools.count(1)
        self._bytes = 0

    def put(self, name: str, data: bytes, ttl: timedelta = DEFAULT_TTL) -> str:
        """Keep ``data`` and return its link (absolute when ``base_url`` is set)."""
        self._forget_expired()
        file_id = next(self._ids)
        expires = self.clock.now() + ttl
        self._files[file_id] = Kept(name, data, expires)
        self._bytes += len(data)
        while self._files and (len(self._files) > MAX_FILES or self._bytes > MAX_BYTES):
            _old, dropped = self._files.popitem(last=False)
            self._bytes -= len(dropped.data)
        return f"{self.base_url}/f/{self._token(file_id, expires)}/{_safe(name)}"

    def _token(self, file_id: int, expires: datetime) -> str:
        body = f"{file_id}.{int(expires.timestamp())}"
        # Lowercase hex: one spelling per MAC, every character significant (unpadded base64
        # let two spellings of the last character decode alike).
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]
        return f"{body}.{mac}"

    def get(self, token: str) -> Kept | None:
        """The file behind a token, or None if it is forged, expired or gone."""
        parsed = _TOKEN.fullmatch(token)
        if parsed is None:  # not ASCII digits, too long, not a MAC: nothing to look up
            return None
        file_id, stamp = int(parsed[1]), int(parsed[2])
        kept = self._files.get(file_id)
        if kept is None:
            return None
        expected = self._token(file_id, kept.expires_at)
        # Constant time: the signature is a secret's output.
        if not hmac.compare_digest(expected.encode(), token.encode()):
            return None
        if stamp != int(kept.expires_at.timestamp()) or self.clock.now() > kept.expires_at:
            return None
        return kept

    def _forget_expired(self) -> None:
        now = self.clock.now()
        for file_id in [i for i, k in self._files.items() if k.expires_at < now]:
            self._bytes -= len(self._files.pop(file_id).data)

    def route(self) -> web.RouteDef:
        async def serve(request: web.Request) -> web.Response:
            kept = self.get(request.match_info["token"])
            if kept is None:
                return web.json_response({"error": "no such file"}, status=404)
            kind = mimetypes.guess_type(kept.name)[0] or "application/octet-stream"
            inline = kind in ("image/png", "application/pdf")
            disposition = "inline" if inline else "attachment"
            return web.Response(
                body=kept.data,
                content_type=kind,
                headers={
                    "Content-Disposition": f'{disposition}; filename="{_safe(kept.name)}"',
                    "Cache-Control": "private, no-store",
                },
            )

        return web.get("/f/{token}/{name}", serve)


def _safe(name: str) -> str:
    """A file name fit for a URL path and a header: ASCII letters, digits, ``.-_``."""
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "-" for ch in name)
    return kept.strip("-.")[:80] or "file"
