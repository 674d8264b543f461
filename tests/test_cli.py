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


def test_compare_table_and_plot(capsys, tmp_path):
    png = tmp_path / "compare.png"
    assert main(["compare", "--depth", "3", "--width", "32", "--networks", "20000", "--quiet", "--plot", str(png)]) == 0
    out, err = capsys.readouterr()
    lines = [l for l in out.splitlines() if not l.startswith("#")]
    assert "K_11 theory" in lines[0] and "V_(11)(11) theory" in lines[0]
    assert [l.split()[0] for l in lines[2:]] == ["1", "2", "3"]
    # at depth 3 and width 32 the 1/n theory is within a few standard errors
    z_scores = [float(cell) for l in lines[2:] for cell in l.split() if cell[0] in "+-" and cell[1:].replace(".", "").isdigit()]
    assert len(z_scores) == 3 * 6 and max(map(abs, z_scores)) < 5
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib not installed" in err
    else:
        assert png.stat().st_size > 10_000


def test_compare_with_ntk(capsys):
    assert main(["compare", "--depth", "3", "--width", "32", "--networks", "20000", "--ntk", "--ntk-networks", "4000",
                 "--quiet", "--plot", ""]) == 0
    out = capsys.readouterr().out
    ntk_rows = out.split("output NTK")[-1].splitlines()[2:]
    assert [r.split()[0] for r in ntk_rows] == ["H_11", "H_12", "A_(11)(11)", "B_1111", "D_(11)(11)", "F_1111", "B_1212"]
    assert max(abs(float(r.split()[-1])) for r in ntk_rows) < 5


def test_compare_defaults_are_the_documented_ones():
    from pdlt.cli import build_parser

    args = build_parser().parse_args(["compare"])
    assert (args.activation, args.depth, args.width, args.networks) == ("tanh", 8, 64, 100_000)
