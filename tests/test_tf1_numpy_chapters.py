"""The TF1 and NumPy chapters: font classifier, activation demo, NumPy network, TF1 CNN."""

import re

import numpy as np
import pytest

import input_data
from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorials import activations, mnist_cnn
from tutorials import font_classifier as fc
from tutorials import numpy_network as nn


def quiet(*args, **kwargs):
    pass


@pytest.fixture(scope="module")
def mnist():
    return input_data.read_data_sets(one_hot=False, seed=0)


# --- NumPy network -----------------------------------------------------------------------------


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


# --- font classifier ---------------------------------------------------------------------------


def test_font_split_is_the_books_and_reproducible():
    (train, onehot_train), (test, onehot_test), images = fc.load_and_split()
    assert train.shape == (2511, 1296) and test.shape == (279, 1296)
    assert onehot_train.shape == (2511, 5) and np.all(onehot_test.sum(1) == 1)
    assert train.max() == 1.0 and train.dtype == np.float32
    np.random.seed(0)  # the book's recipe, independently
    indices = np.random.permutation(2790)
    np.testing.assert_array_equal(test, (images[indices[:279]] / 255.0).reshape(279, 1296).astype(np.float32))
    again = fc.load_and_split()
    np.testing.assert_array_equal(again[0][0], train)


def _train_font_model(model, as_published, epochs):
    from quiet_tf import tf

    train_data, test_data, _ = fc.load_and_split()
    net = fc.build_graph(model, as_published, seed=0)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        fc.train(net, sess, train_data, test_data, epochs)
        return sess.run(net.accuracy, feed_dict={net.x: test_data[0], net.y_: test_data[1]})


@pytest.mark.parametrize("model,epochs,floor", [("logistic", 300, 0.4), ("hidden1", 200, 0.4), ("hidden2", 300, 0.3)])
def test_short_font_runs_beat_chance(model, epochs, floor):
    assert _train_font_model(model, False, epochs) > floor  # chance is 0.2


def test_double_softmax_differs_from_the_fixed_loss_and_starves_the_gradient():
    from quiet_tf import tf

    train_data, _, _ = fc.load_and_split()
    results = {}
    for as_published in (False, True):
        net = fc.build_graph("hidden1", as_published, seed=0)
        with net.graph.as_default():
            gradient = tf.gradients(net.cross_entropy, [net.output_weights])[0]
        with tf.compat.v1.Session(graph=net.graph) as sess:
            sess.run(net.init)
            feed = {net.x: train_data[0], net.y_: train_data[1]}
            loss, grad = sess.run([net.cross_entropy, gradient], feed_dict=feed)
        results[as_published] = (loss, np.linalg.norm(grad))
    (fixed_loss, fixed_grad), (book_loss, book_grad) = results[False], results[True]
    assert abs(fixed_loss - book_loss) > 0.01
    assert book_grad < 0.5 * fixed_grad


def test_confusion_matrix_counts_every_validation_letter():
    conf = fc.confusion_matrix(np.array([0, 1, 1, 4]), np.array([0, 1, 2, 4]))
    assert conf.sum() == 4 and conf[2, 1] == 1 and conf[1, 1] == 1


def test_font_classifier_script(tmp_path):
    result = run_script(
        TUTORIALS / "font_classifier.py",
        "--model",
        "hidden1",
        "--epochs",
        "30",
        "--seed",
        "0",
        "--figure-dir",
        tmp_path,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "2511 training and 279 validation letters" in result.stdout
    rows = re.findall(r"^font \d((?:\s+\d+){5})$", result.stdout, flags=re.M)
    assert len(rows) == 5 and sum(int(v) for row in rows for v in row.split()) == 279
    assert re.search(r"Final accuracy: train 0\.\d{4}, validation 0\.\d{4}", result.stdout)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        "font_samples.png",
        "font_hidden1_accuracy.png",
        "font_hidden1_confusion.png",
        "font_hidden1_input_weights.png",
        "font_hidden1_output_weights.png",
    }


def test_font_data_missing_or_corrupt_is_one_line(tmp_path):
    result = run_script(TUTORIALS / "font_classifier.py", "--data", tmp_path / "missing.npz")
    assert_one_line_error(result, "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK not really")
    result = run_script(TUTORIALS / "font_classifier.py", "--data", bad)
    assert_one_line_error(result, "bad.npz", "SHA-256")


# --- activation demo ---------------------------------------------------------------------------


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


# --- TF1 CNN -----------------------------------------------------------------------------------


def test_cnn_shapes():
    net = mnist_cnn.build_graph()
    assert net.flat.shape.as_list() == [None, 3136]
    assert net.logits.shape.as_list() == [None, 10]
    fixed_ops = {op.type for op in net.graph.get_operations()}
    assert "ResourceApplyAdam" in fixed_ops
    assert any(op.name.startswith("dropout/") for op in net.graph.get_operations())
    published = mnist_cnn.build_graph(as_published=True)
    published_ops = {op.type for op in published.graph.get_operations()}
    assert "ResourceApplyGradientDescent" in published_ops and "ResourceApplyAdam" not in published_ops
    assert not any(op.name.startswith("dropout/") for op in published.graph.get_operations())  # never acts


def test_short_cnn_run_and_running_versus_per_evaluation_accuracy():
    from quiet_tf import tf

    data = input_data.read_data_sets(one_hot=True, seed=0)
    test_feed_x, test_feed_y = data.test.images[:1000], data.test.labels[:1000]
    net = mnist_cnn.build_graph(seed=0)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        feed = {net.input_x: test_feed_x, net.output_y: test_feed_y}
        before, running_before = sess.run([net.accuracy_now, net.running_accuracy], feed)
        mnist_cnn.train(net, sess, data, 150, 50, show=quiet)
        after, running_after = sess.run([net.accuracy_now, net.running_accuracy], feed)
    assert after >= 0.9  # 150 of the 1000 steps; the full run reaches about 0.98
    assert before < 0.3
    assert running_before == pytest.approx(before, abs=1e-6)
    # the text's "test accuracy" is the mean of every evaluation so far, far below the model's own
    assert running_after == pytest.approx((before + after) / 2, abs=1e-6)
    assert after - running_after > 0.2


def test_cnn_missing_data_is_one_line(tmp_path):
    result = run_script(TUTORIALS / "mnist_cnn.py", "--data-dir", tmp_path / "nowhere")
    assert_one_line_error(result, "is missing and could not be downloaded")
