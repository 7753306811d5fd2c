"""The README's spec examples are valid specs."""
import re
from pathlib import Path

import pytest

from worksheets.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()
EXAMPLES = [block for block in re.findall(r"```yaml\n(.*?)```", README, re.S) if "problems:" in block]


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_is_a_valid_spec(tmp_path, capsys, index):
    spec = tmp_path / "example.yaml"
    spec.write_text(EXAMPLES[index])
    assert main(["check", str(spec)]) == 0, capsys.readouterr().err
