"""The command line as staff use it: the terminal chat, migrations, and start-up errors in one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from store.migrate import alembic_config, upgrade
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent


def bot(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG", "PYTHONPATH")},
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "PROFILE": str(FIXTURES / "profile.toml"),
        "PYTHONPATH": str(ROOT),  # this checkout's code, not whatever the environment has installed
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
    )


def test_terminal_chat_answers_an_arabic_question(tmp_path):
    result = bot(tmp_path, "chat", "--new", stdin="مرحبا\n١\n1\nكيف أقدّم على المساعدة؟\nالقائمة\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "اختر اللغة / Choose your language:" in out
    assert "  1. العربية" in out and "  2. English" in out
    assert "ستكون المحادثة باللغة العربية." in out
    assert "يمكنك التقديم من خيار «طلب مساعدة»" in out
    assert out.rstrip().endswith("7. اللغة / Language")
    assert result.stderr == ""


def test_terminal_chat_continues_the_same_conversation(tmp_path):
    bot(tmp_path, "chat", "--user", "staff1", stdin="hello\n2\n")
    again = bot(tmp_path, "chat", "--user", "staff1", stdin="")
    assert "Welcome back" in again.stdout


def test_migrate_says_created_then_up_to_date_then_what_it_applied(tmp_path):
    first = bot(tmp_path, "migrate")
    assert first.returncode == 0 and "database created" in first.stdout
    second = bot(tmp_path, "migrate")
    assert second.returncode == 0 and "database up to date" in second.stdout
    database = f"sqlite+aiosqlite:///{tmp_path / 'older.sqlite3'}"
    latest = ScriptDirectory.from_config(alembic_config(database)).get_revision("head")
    upgrade(database, latest.down_revision)  # a database one migration behind
    third = bot(tmp_path, "migrate", DATABASE_URL=database)
    assert third.returncode == 0 and f"database applied {latest.revision}:" in third.stdout


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path):
    result = bot(tmp_path, "migrate", PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "setting PORT" in result.stderr
    assert "Traceback" not in result.stderr
    result = bot(tmp_path, "migrate", DATABASE_URL="mysql://x")
    assert result.returncode == 2 and "setting DATABASE_URL" in result.stderr


def test_a_bad_profile_names_file_and_field(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text((FIXTURES / "profile.toml").read_text(encoding="utf-8").replace('opens = 08:00:00', 'opens = "late"'))
    result = bot(tmp_path, "chat", "--new", PROFILE=str(broken))
    assert result.returncode == 2
    assert "broken.toml" in result.stderr and "working_hours.opens" in result.stderr
    assert "Traceback" not in result.stderr
    missing = bot(tmp_path, "chat", PROFILE="no_such_association")
    assert missing.returncode == 2 and "no such profile" in missing.stderr and "bukayriyah" in missing.stderr
