from __future__ import annotations

import subprocess
import sys


def test_help_lists_command_groups(cli) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    for group in ("models", "demo", "words"):
        assert group in out


def test_version(cli) -> None:
    code, out, _ = cli("--version")
    assert code == 0 and "embedlab" in out


def test_bad_model_name_is_one_line_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "embedlab", "models", "resolve", "nobody/nothing"],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:")
    assert "available offline" in proc.stderr


def test_debug_shows_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "embedlab", "--debug", "models", "resolve", "nobody/nothing"],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr


def test_bad_demo_part(cli) -> None:
    code, _, err = cli("demo", "--part", "nope")
    assert code == 2 and "--part" in err
