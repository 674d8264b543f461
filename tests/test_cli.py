"""The pdlt command."""

import shutil
import subprocess
import sys

import pytest

from pdlt.cli import main


def test_critical(capsys):
    assert main(["critical", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "K*=0" in out and "C_W                 1" in out and "1/(2 l)" in out


def test_critical_with_parameter(capsys):
    assert main(["critical", "leaky_relu", "--param", "slope=0.5"]) == 0
    assert "1.6" in capsys.readouterr().out  # C_W = 2 / (1 + 0.25)


def test_kernel_table(capsys):
    assert main(["kernel", "--activation", "relu", "--depth", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["l", "K_11", "K_22", "K_33"]
    assert lines[-1].split()[:4] == ["4", "2", "2", "2"]  # relu at criticality keeps K = 2


def test_errors_are_messages_not_tracebacks(capsys):
    assert main(["critical", "tanhh"]) == 2
    assert "unknown activation" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no critical point"):
        main(["kernel", "--activation", "sigmoid"])
    assert main(["kernel", "--activation", "relu", "--C_W", "-1", "--C_b", "0"]) == 2


def test_console_script_installed():
    exe = shutil.which("pdlt")
    cmd = [exe] if exe else [sys.executable, "-m", "pdlt.cli"]
    result = subprocess.run([*cmd, "critical", "gelu"], capture_output=True, text=True, check=True)
    assert "half-stable" in result.stdout and "0.1729223908" in result.stdout
