"""tutorials/numpy_network.py: gradient checks, the two models against each other, MNIST runs."""

import re
import warnings

import numpy as np
import pytest

from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorial_kit import input_data
from tutorial_kit.errors import UsageError
from tutorials import numpy_network as nn


def quiet(*args, **kwargs):
    pass


@pytest.fixture(scope="module")
def mnist():
    return input_data.read_data_sets(one_hot=False, seed=0)


def test_gradient_check_object_model():
    assert nn.gradient_check(nn.Network([2, 2, 2], seed=0), [0.9, 0.1], [0.9, 0.1], show=quiet) < 1e-6
    rng = np.random.default_rng(1)
    sample, label = rng.random(5).tolist(), rng.random(3).tolist()
    assert nn.gradient_check(nn.Network([5, 4, 3], seed=1), sample, label, show=quiet) < 1e-6


def test_gradient_check_vectorised_model():
    rng = np.random.default_rng(2)
    net = nn.VectorNetwork([6, 5, 4, 3], seed=2)
    rows = []
    worst = net.gradient_check(rng.random((6, 1)), rng.random((3, 1)), show=rows.append)
    assert worst < 1e-5  # relative: the smallest gradients here are around 1e-5 themselves
    pairs = [tuple(map(float, row.split())) for row in rows[1:]]
    assert len(pairs) == 6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3
    assert max(abs(expected - actual) for expected, actual in pairs) < 1e-9


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    """The check is not vacuous: a back-propagation that forgets the sigmoid's slope fails it."""
    monkeypatch.setattr(nn.SigmoidActivator, "backward", lambda self, output: np.ones_like(output))
    rng = np.random.default_rng(3)
    net = nn.VectorNetwork([4, 3, 2], seed=3)
    assert net.gradient_check(rng.random((4, 1)), rng.random((2, 1)), show=quiet) > 0.1


def test_object_and_vectorised_models_agree():
    """An independent cross-check: same weights, same outputs and same gradients."""
    rng = np.random.default_rng(4)
    sample, label = rng.random(7), rng.random(3)
    objects = nn.Network([7, 5, 3], seed=4)
    vectors = nn.VectorNetwork([7, 5, 3], seed=99)
    vectors.set_weights(objects.get_weights())
    np.testing.assert_allclose(vectors.predict(sample[:, None])[:, 0], objects.predict(sample.tolist()), rtol=1e-12)
    objects.get_gradient(label.tolist(), sample.tolist())
    vectors.predict(sample[:, None])
    vectors.calc_gradient(label[:, None])
    for layer, (W_grad, b_grad) in zip(vectors.layers, objects.get_gradients(), strict=True):
        np.testing.assert_allclose(layer.W_grad, W_grad, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(layer.b_grad, b_grad, rtol=1e-10, atol=1e-15)
    # and one training step moves both the same way
    objects.train_one_sample(label.tolist(), sample.tolist(), 0.3)
    vectors.train_one_sample(label[:, None], sample[:, None], 0.3)
    for layer, (W, b) in zip(vectors.layers, objects.get_weights(), strict=True):
        np.testing.assert_allclose(layer.W, W, rtol=1e-10)
        np.testing.assert_allclose(layer.b, b, rtol=1e-10)


def test_targets_are_0_9_and_0_1():
    t = nn.targets(np.array([3, 0]))
    assert t.shape == (10, 2)
    assert t[3, 0] == 0.9 and t[0, 1] == 0.9
    assert np.count_nonzero(t == 0.1) == 18


def test_object_model_learns_the_8_3_8_problem():
    data = [[0.9 if i == j else 0.1 for i in range(8)] for j in range(8)]
    net = nn.Network([8, 3, 8], seed=0)
    net.train(data, data, 0.3, 2000)
    assert [int(np.argmax(net.predict(x))) for x in data] == list(range(8))


def test_short_vectorised_mnist_run(mnist):
    history = nn.train_and_evaluate(mnist, limit=5000, every=1, epochs_cap=1, show=quiet)
    assert history[0][1] < 0.2  # one per-sample epoch over 5,000 images; the full run reaches about 0.02


def test_mnist_stops_when_the_error_rate_rises(mnist, monkeypatch):
    errors = iter([0.30, 0.20, 0.25, 0.10])
    monkeypatch.setattr(nn, "evaluate", lambda *args: next(errors))
    history = nn.train_and_evaluate(mnist, limit=50, every=1, epochs_cap=10, show=quiet)
    assert [e for _, e in history] == [0.30, 0.20, 0.25]


def test_numpy_network_imports_no_tensorflow():
    code = "import sys; from tutorials import numpy_network; print('tensorflow' in sys.modules)"
    result = run_script("-c", code)
    assert result.stdout.strip() == "False", result.stderr


def test_numpy_network_gradcheck_output():
    result = run_script(TUTORIALS / "numpy_network.py", "--part", "gradcheck")
    assert result.returncode == 0 and result.stderr == ""
    errors = [float(e) for e in re.findall(r"max relative error: (\S+)", result.stdout)]
    assert len(errors) == 2 and max(errors) < 1e-6
    assert result.stdout.count("expected gradient") == 2


def test_a_run_shorter_than_eval_every_still_evaluates_its_last_epoch(mnist):
    """--max-epochs 3 with --eval-every 10 used to evaluate nothing and print no accuracy."""
    lines = []
    history = nn.train_and_evaluate(mnist, limit=50, every=10, epochs_cap=3, show=lines.append)
    assert [epoch for epoch, _ in history] == [3]
    assert 0 <= history[0][1] <= 1
    assert lines[-1] == f"after epoch 3 (the last), error ratio is {history[0][1]:.4f}"
    # between two evaluations: the last epoch is evaluated too; on one: not twice
    assert [e for e, _ in nn.train_and_evaluate(mnist, limit=50, every=2, epochs_cap=3, show=quiet)] == [2, 3]
    assert [e for e, _ in nn.train_and_evaluate(mnist, limit=50, every=2, epochs_cap=4, show=quiet)] == [2, 4]


def test_script_prints_a_final_accuracy_when_max_epochs_is_below_eval_every():
    result = run_script(
        TUTORIALS / "numpy_network.py", "--part", "mnist", "--limit", "100", "--max-epochs", "2", "--eval-every", "10"
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    final = re.search(r"^Final error rate (\d\.\d{4}) \(accuracy (\d\.\d{4})\) after epoch 2$", result.stdout, re.M)
    assert final, result.stdout
    assert float(final[1]) + float(final[2]) == pytest.approx(1, abs=1e-4)  # both rounded to 4 places


def test_a_diverging_learning_rate_is_an_error_not_numpy_warnings(mnist):
    """--learning-rate 1e308 printed NumPy's overflow RuntimeWarnings and exited 0 with a NaN network."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning of NumPy fails the test
        with pytest.raises(
            UsageError, match=r"^training diverged \(.* in epoch 1 .*\); use a smaller --learning-rate$"
        ):
            nn.train_and_evaluate(mnist, rate=1e308, limit=50, every=1, epochs_cap=3, show=quiet)
        # a large rate that saturates the sigmoids without overflowing the weights is no error, and silent
        history = nn.train_and_evaluate(mnist, rate=50.0, limit=50, every=1, epochs_cap=1, show=quiet)
        assert len(history) == 1


def test_script_with_a_diverging_learning_rate_is_one_line():
    result = run_script(
        TUTORIALS / "numpy_network.py",
        "--part",
        "mnist",
        "--limit",
        "50",
        "--max-epochs",
        "1",
        "--learning-rate",
        "1e308",
    )
    assert_one_line_error(result, "training diverged", "use a smaller --learning-rate")
