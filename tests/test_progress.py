"""A progress bar on a terminal; nothing but error lines when output is not a terminal."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from worksheets.classset import _seconds

ROOT = Path(__file__).parent.parent


def run_on_terminal(args: list[str], env: dict | None = None) -> str:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "worksheets", *args], cwd=ROOT,
                               stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=120)
    os.close(leader)
    return output.decode(errors="replace")


def test_a_long_build_shows_a_progress_bar_on_a_terminal(tmp_path):
    # The bar waits a second before it shows; 24 versions may take less: shown at once here.
    output = run_on_terminal(["build", "specs/quiz-07.yaml", "--out", str(tmp_path), "--versions", "24"],
                             env={**os.environ, "WORKSHEETS_PROGRESS_DELAY": "0"})
    assert "quiz-07, 24 versions:" in output
    assert "%|" in output  # tqdm's bar


def test_no_progress_bar_when_output_is_not_a_terminal(tmp_path):
    result = subprocess.run([sys.executable, "-m", "worksheets", "build", "specs/quiz-07.yaml", "--out",
                             str(tmp_path), "--versions", "20"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0
    assert "%|" not in result.stderr and "versions:" not in result.stderr


def test_the_delay_before_the_bar_is_read_leniently():
    assert [_seconds(text, 1.0) for text in (None, "", "0", "2.5", "-3", "soon")] == [1.0, 1.0, 0.0, 2.5, 0.0, 1.0]
