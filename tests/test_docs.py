"""The examples in the docstrings and the README run and print what they claim."""

import doctest
import importlib
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
