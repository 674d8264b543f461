"""The examples in the docstrings and the README run and print what they claim."""

import doctest
import importlib
import importlib.util
import pathlib
import re

import pytest

MODULES = ["activation", "criticality", "extrapolate", "finite_width", "gaussian", "kernels", "mlp", "sampling"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"pdlt.{name}")  # (pdlt.finite_width is also a function)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_readme_example_runs():
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S)
    assert blocks, "README has a python example"
    exec(compile(blocks[0], "README.md", "exec"), {})


def test_finite_width_validation_example_runs(capsys):
    """examples/finite_width_validation.py --quick: every table prints, every fit line has a z."""
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / "finite_width_validation.py"
    spec = importlib.util.spec_from_file_location("finite_width_validation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--quick"])
    out = capsys.readouterr().out
    assert out.count("max |z|") == 4 * 2 + 5  # K1 and V for four networks; H1, A, B, D, F
    assert "nan" not in out
