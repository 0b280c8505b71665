"""The package is typed (py.typed, inline annotations and the native module's stub): a type
checker sees its API precisely, not as ``Any``, and the package itself checks clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USAGE = '''
import asyncio
import airlock

def add(a: int, b: int) -> int:
    """Adds."""
    return a + b

sandbox = airlock.Sandbox(tools=[add], policy={"allow": [{"tools": "add"}]}, limits=airlock.Limits(timeout=5))
with sandbox.session(deterministic=True, on_output=lambda stream, text: None) as session:
    result: airlock.RunResult = session.run("return 1", "shell", check=False)
    code: int = result.exit_code
    calls: list[airlock.ToolCall] = result.calls
    wall: float = result.usage.wall_ms
    text: str = session.fs.read_text("x.txt")
    names: list[str] = session.fs.listdir()

async def main(session: airlock.Session) -> airlock.RunResult:
    return await session.run_async("return 1")

try:
    airlock.Sandbox.from_config("airlock.toml")
except airlock.ConfigError as e:
    hint: str | None = e.hint
'''

MISUSE = '''
import airlock
airlock.Sandbox().session().run(123)
airlock.Limits(timeout=[1])
'''


def mypy(cwd: Path, *targets: str) -> list[str]:
    """The errors of a strict mypy run; its cache is kept between test runs (the frameworks'
    types make a cold check take tens of seconds)."""
    version = "%d.%d" % sys.version_info[:2]
    cache = Path.home() / ".cache" / "airlock-python" / f"mypy-{version}"
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *targets],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert checked.returncode in (0, 1), checked.stdout + checked.stderr
    return [line for line in checked.stdout.splitlines() if ": error:" in line]


def test_types_are_precise_and_the_package_checks_clean(tmp_path: Path) -> None:
    (tmp_path / "usage.py").write_text(USAGE)
    (tmp_path / "misuse.py").write_text(MISUSE)
    errors = mypy(tmp_path, "usage.py", "misuse.py")
    assert all(line.startswith("misuse.py:") for line in errors), errors
    assert any('Argument 1 to "run" of "Session" has incompatible type "int"' in e for e in errors)
    assert any('"Limits" has incompatible type "list[int]"' in e for e in errors)
    assert len(errors) == 2, errors
    assert mypy(tmp_path, "-p", "airlock") == []
