"""The server secret: configured, or generated once beside the SQLite file and kept."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import Settings
from storage.keys import ServerKey, key_file_for, server_key


def test_a_generated_secret_is_kept_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}"
    assert key_file_for(url) == tmp_path / "gopy.db.key"
    first = server_key(url, None)
    again = server_key(url, None)
    assert first.invite_hash("ABCDEFGHJK") == again.invite_hash("ABCDEFGHJK"), "kept, not new"
    mode = stat.S_IMODE((tmp_path / "gopy.db.key").stat().st_mode)
    assert mode == 0o600, "readable by its owner only"


def test_the_configured_secret_wins_and_keys_differ_by_purpose(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}"
    key = server_key(url, "x" * 40)
    assert not (tmp_path / "gopy.db.key").exists()
    assert key.invite_hash("A") != ServerKey(b"y" * 40).invite_hash("A")
    one = key.author_key(campaign_id=1, person_id=7)
    assert one == key.author_key(campaign_id=1, person_id=7)
    assert one != key.author_key(campaign_id=2, person_id=7), "rotated per campaign"


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(secret_key=SecretStr("too short"))
    with pytest.raises(ValueError):
        ServerKey(b"short")
