"""The server secret: configured, or generated once beside the SQLite file and kept."""

from __future__ import annotations

import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import Settings
from storage import keys
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


def test_two_processes_starting_at_once_share_one_whole_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process starts while the first is generating the secret: it must never read
    a half-made (empty) file, and both must end up with the same secret."""
    path = tmp_path / "gopy.db.key"
    other: list[subprocess.CompletedProcess[str]] = []
    token_hex = secrets.token_hex

    def generate_while_another_starts(nbytes: int) -> str:
        # The moment the first process makes its secret, a real second process loads the key.
        script = (
            "import sys; from pathlib import Path; from storage.keys import ServerKey, "
            "load_or_create; s = load_or_create(Path(sys.argv[1])); ServerKey(s); "
            "print(s.decode())"
        )
        other.append(
            subprocess.run(
                [sys.executable, "-c", script, str(path)],
                capture_output=True,
                text=True,
                check=False,
                cwd=Path(__file__).resolve().parents[2],
            )
        )
        return token_hex(nbytes)

    monkeypatch.setattr(secrets, "token_hex", generate_while_another_starts)
    mine = keys.load_or_create(path)
    assert other and other[0].returncode == 0, other[0].stderr if other else "not started"
    assert other[0].stdout.strip() == mine.decode(), "one secret for both processes"
    assert len(mine) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["gopy.db.key"], "no temporary file left"
