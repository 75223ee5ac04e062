"""tutorials/activations.py: the transforms' values, the script, and a figure a learner can read."""

import numpy as np

from helpers import TUTORIALS, run_script
from tutorials import activations


def test_activation_values():
    v = activations.run(seed=3)
    for name, mean in (("x1", 3), ("x2", -1), ("x3", 0)):
        assert v[name].shape == (5,)
        assert np.all(np.abs(v[name] - mean) <= 2 / np.sqrt(5) + 1e-6)  # truncated at two stddevs
    np.testing.assert_allclose(v["sqx2"], v["x2"] ** 2, rtol=1e-6)
    np.testing.assert_allclose(v["logx1"], np.log(v["x1"]), rtol=1e-6)
    np.testing.assert_allclose(v["sigx3"], 1 / (1 + np.exp(-v["x3"])), rtol=1e-6)
    np.testing.assert_allclose(v["n1"], 1 / (1 + np.exp(-(0.1 * v["x1"] + 0.2 * v["x2"]))), rtol=1e-6)


def test_activation_script(tmp_path):
    result = run_script(TUTORIALS / "activations.py", "--seed", "1", "--figure-dir", tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert "sqx2  = [" in result.stdout and "n1    = [" in result.stdout
    assert (tmp_path / activations.FIGURE).stat().st_size > 5000


def test_figure_draws_each_function_as_a_curve_with_the_samples_on_it():
    """The figure used to plot five points only (no curve); now each panel has the function as a
    line wider than the samples, and the samples lie on it."""
    values = activations.run(seed=3)
    fig = activations.make_figure(values)
    functions = {"sqx2": np.square, "logx1": np.log, "sigx3": lambda x: 1 / (1 + np.exp(-x))}
    assert fig.get_suptitle()
    for ax, (_, before, after, *_) in zip(fig.axes, activations.TRANSFORMS, strict=True):
        curves = [line for line in ax.get_lines() if len(line.get_xdata()) >= 100]
        points = [line for line in ax.get_lines() if line.get_marker() == "o"]
        assert len(curves) == 1 and len(points) == 1, after
        cx, cy = curves[0].get_xdata(), curves[0].get_ydata()
        np.testing.assert_allclose(cy, functions[after](cx), rtol=1e-12)  # the curve is the function
        x, y = points[0].get_xdata(), points[0].get_ydata()
        np.testing.assert_array_equal(x, values[before])
        np.testing.assert_array_equal(y, values[after])
        assert cx.min() < x.min() and cx.max() > x.max() and np.ptp(cx) >= 4  # the shape, not just the samples
        # the samples on the curve: linear interpolation on a 200-point grid is within 1 %
        np.testing.assert_allclose(np.interp(x, cx, cy), y, rtol=0.01)
        assert ax.get_title() and ax.get_xlabel() == before and ax.get_ylabel() == after
