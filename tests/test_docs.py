"""The examples in the docstrings and the README run and print what they claim."""

import doctest
import pathlib
import re

import pytest

import pdlt
import pdlt.activation
import pdlt.criticality
import pdlt.gaussian
import pdlt.kernels
import pdlt.mlp


@pytest.mark.parametrize("module", [pdlt.activation, pdlt.criticality, pdlt.gaussian, pdlt.kernels, pdlt.mlp])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_readme_example_runs():
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S)
    assert blocks, "README has a python example"
    exec(compile(blocks[0], "README.md", "exec"), {})
