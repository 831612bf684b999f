"""Every role README lists every variable, as the argument specs describe it."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_role_readmes_are_generated_from_the_argument_specs():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "role-docs.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
