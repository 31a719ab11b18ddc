"""The server secret and the keyed hashes made with it: anonymous authors, invite codes, the
browsers and network addresses of the web form.

A keyed hash (HMAC-SHA256) cannot be recomputed from a database dump alone: whoever holds the
dump but not the secret can neither tell which person wrote an anonymous comment nor test
guessed invite codes offline. The secret comes from ``GOPY_SECRET_KEY``; without it (the
simulator, a developer's machine) one is generated once and kept in a file beside the SQLite
database, never inside it. Any other database (PostgreSQL) needs ``GOPY_SECRET_KEY``: a file
in whichever folder a process starts from would give the bot and ``gopy invite`` run from
another folder two different keys, and every invite and anonymous author would be silently
lost between them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from storage.codes import normalise_code

log = logging.getLogger(__name__)

MIN_SECRET = 32


class SecretMissing(RuntimeError):
    """``GOPY_SECRET_KEY`` is not set, and the database is not a SQLite file to keep one beside."""


class ServerKey:
    """Keyed hashes, one sub-key per purpose so one hash never stands in for another."""

    __slots__ = (
        "_addresses",
        "_authors",
        "_browsers",
        "_chats",
        "_desk",
        "_desk_forms",
        "_forms",
        "_invites",
    )

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET:
            raise ValueError(f"the server secret needs at least {MIN_SECRET} bytes")
        self._authors = _derive(secret, b"gopy:comment-author")
        self._invites = _derive(secret, b"gopy:invite-code")
        self._chats = _derive(secret, b"gopy:chat")
        self._forms = _derive(secret, b"gopy:web-form")
        self._browsers = _derive(secret, b"gopy:web-browser")
        self._addresses = _derive(secret, b"gopy:web-address")
        self._desk = _derive(secret, b"gopy:desk-token")
        self._desk_forms = _derive(secret, b"gopy:desk-form")

    def author_key(self, *, campaign_id: int, person_id: int) -> str:
        """Who wrote an anonymous comment, as only the server can tell: equal for the same
        person in the same campaign, unrelated across campaigns."""
        message = f"{campaign_id}:{person_id}".encode()
        return hmac.new(self._authors, message, hashlib.sha256).hexdigest()

    def chat_key(self, *, channel: str, chat_id: int) -> int:
        """A chat as a positive BIGINT that only the server can tie back to the chat."""
        digest = hmac.new(self._chats, f"{channel}:{chat_id}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") >> 1

    def form_token(self, browser: str) -> str:
        """The anti-forgery token of a browser's web forms: only this server can make it, so a
        page elsewhere cannot post a form on the browser's behalf (CSRF)."""
        return hmac.new(self._forms, browser.encode(), hashlib.sha256).hexdigest()

    def browser_key(self, browser: str) -> str:
        """The ``Person.external_id`` of a web form's sender: the random id its browser keeps
        in a cookie, which a dump cannot tie back to that browser."""
        return hmac.new(self._browsers, browser.encode(), hashlib.sha256).hexdigest()

    def address_key(self, *, address: str, hour: datetime, slot: int = 0) -> str:
        """The ``slot``-th comment from a network address within one clock hour (``hour``:
        its start): unrelated across hours and across slots, so the web form's kept attempts
        can neither follow one address through the day nor be grouped by address."""
        message = f"{hour.astimezone(UTC).isoformat()}|{slot}|{address}".encode()
        return hmac.new(self._addresses, message, hashlib.sha256).hexdigest()

    def desk_hash(self, token: str) -> str:
        """What the database keeps of a desk link's or session's token: a dump holds no
        usable token, and cannot test guesses offline."""
        return hmac.new(self._desk, token.encode(), hashlib.sha256).hexdigest()

    def desk_form_token(self, session_token: str) -> str:
        """The anti-forgery token of a desk session's forms (CSRF), unlike any poster form's."""
        return hmac.new(self._desk_forms, session_token.encode(), hashlib.sha256).hexdigest()

    def invite_hash(self, code: str) -> str:
        return hmac.new(self._invites, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def to_the_day(moment: datetime) -> datetime:
    """A first-contact time kept to the day: to the second, it would point at the anonymous
    comment a newcomer sends a minute after scanning a poster."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _derive(secret: bytes, label: bytes) -> bytes:
    return hmac.new(secret, label, hashlib.sha256).digest()


def key_file_for(database_url: str) -> Path | None:
    """``gopy.db`` keeps its generated secret in ``gopy.db.key``; other databases keep none."""
    from sqlalchemy.engine import make_url  # not at import: ``gopy --help`` stays light

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".key")
    return None


def load_or_create(path: Path) -> bytes:
    """The secret in ``path``, created (readable by its owner only) on first use.

    The file appears whole or not at all: the secret is written to a private temporary file
    beside it and linked into place, which fails if another process got there first, and
    then that process's secret is the one read. Opening ``path`` itself with ``O_EXCL`` and
    writing after would let a second process starting at the same moment read it empty, and
    a crash between the two would leave an empty file that stops every later start.
    """
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as file:  # mkstemp makes it 0o600
                file.write(secrets.token_hex(32).encode())
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)
            log.warning("generated a server secret in %s: set GOPY_SECRET_KEY in production", path)
        except FileExistsError:
            pass  # another process linked its secret first: that one is kept
        finally:
            os.unlink(temporary)
    return path.read_bytes().strip()


def server_key(database_url: str, configured: str | None) -> ServerKey:
    """The configured secret, else the generated one kept beside the SQLite file."""
    if configured:
        return ServerKey(configured.encode())
    path = key_file_for(database_url)
    if path is not None:
        return ServerKey(load_or_create(path))
    if database_url.startswith("sqlite"):
        # An in-memory database dies with the process, and so may its secret.
        return ServerKey(secrets.token_hex(32).encode())
    raise SecretMissing("GOPY_SECRET_KEY is required with a database that is not a SQLite file")
