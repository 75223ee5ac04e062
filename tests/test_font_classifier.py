"""tutorials/font_classifier.py: the book's split, short runs of each model, the double softmax,
the script, and figures a learner can read."""

import re

import numpy as np
import pytest

from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorial_kit import files
from tutorial_kit.quiet_tf import tf
from tutorials import font_classifier as fc


@pytest.fixture(autouse=True)
def close_figures():
    """Figures a test makes without saving them (saving closes them) are closed after it."""
    yield
    files.pyplot().close("all")


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
    kinds = ("accuracy", "confusion", "input_weights", "output_weights")
    fixed = {f"font_hidden1_{kind}.png" for kind in kinds}
    assert {p.name for p in tmp_path.iterdir()} == {"font_samples.png", *fixed}
    before = {name: (tmp_path / name).read_bytes() for name in fixed}

    # --as-published into the same folder: its figures are named apart, the fixed run's kept as they were
    published = run_script(
        TUTORIALS / "font_classifier.py",
        "--model",
        "hidden1",
        "--as-published",
        "--epochs",
        "5",
        "--figure-dir",
        tmp_path,
    )
    assert published.returncode == 0 and published.stderr == "", published.stderr
    apart = {f"font_hidden1_as_published_{kind}.png" for kind in kinds}
    assert {p.name for p in tmp_path.iterdir()} == {"font_samples.png", *fixed, *apart}
    assert {name: (tmp_path / name).read_bytes() for name in fixed} == before
    assert all(name in published.stdout for name in apart)


def test_font_data_missing_or_corrupt_is_one_line(tmp_path):
    result = run_script(TUTORIALS / "font_classifier.py", "--data", tmp_path / "missing.npz")
    assert_one_line_error(result, "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK not really")
    result = run_script(TUTORIALS / "font_classifier.py", "--data", bad)
    assert_one_line_error(result, "bad.npz", "SHA-256")


def _measured_apart(model, epochs):
    """The accuracies before every epoch and after the last, each measured by a run of its own
    (the book's way, at every epoch): the reference for train()'s curve."""
    train_data, test_data, _ = fc.load_and_split()
    net = fc.build_graph(model, seed=0)
    on_train, on_test = [], []
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        for epoch in range(epochs + 1):
            on_train.append(sess.run(net.accuracy, feed_dict={net.x: train_data[0], net.y_: train_data[1]}))
            on_test.append(sess.run(net.accuracy, feed_dict={net.x: test_data[0], net.y_: test_data[1]}))
            if epoch < epochs:
                sess.run(net.train_step, feed_dict={net.x: train_data[0], net.y_: train_data[1]})
    return on_train, on_test


@pytest.mark.parametrize("model", ["logistic", "hidden2"])
def test_accuracy_curve_has_every_epoch_and_ends_at_the_final_accuracy(model):
    """The curve had only every 10th epoch (a dry run: 3 points) and used to stop at epoch 990 of
    1000, so its last point was not the printed final accuracy. Every epoch's train accuracy now
    comes from the training step's own run: the same numbers as a separate measurement."""
    train_data, test_data, _ = fc.load_and_split()
    net = fc.build_graph(model, seed=0)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        steps, train_acc, test_acc = fc.train(net, sess, train_data, test_data, 25)
    on_train, on_test = _measured_apart(model, 25)
    assert steps.tolist() == list(range(26))
    np.testing.assert_allclose(train_acc, on_train, atol=1e-6)  # one letter in 2511 is 4e-4
    np.testing.assert_allclose(test_acc, on_test, atol=1e-6)
    if model == "logistic":
        assert train_acc[-1] > train_acc[0] + 0.02  # 25 epochs of logistic regression move off chance

    ax = fc.accuracy_figure(model, steps, train_acc, test_acc, layers=net.layers).axes[0]
    assert ax.get_title().startswith(f"{model}: {fc.network_text(net.layers)}\naccuracy over 25 epochs, softmax")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "accuracy")
    train_line, train_final, test_line, test_final = ax.get_lines()
    np.testing.assert_array_equal(train_line.get_ydata(), train_acc)
    np.testing.assert_array_equal(test_line.get_ydata(), test_acc)
    assert (train_final.get_xdata()[0], train_final.get_ydata()[0]) == (25, train_acc[-1])
    assert (test_final.get_xdata()[0], test_final.get_ydata()[0]) == (25, test_acc[-1])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"validation, final (printed): {test_acc[-1]:.4f}" in legend


def test_networks_are_named_by_their_layers():
    layers = {model: fc.build_graph(model).layers for model in fc.MODELS}
    assert layers == {"logistic": [1296, 5], "hidden1": [1296, 128, 5], "hidden2": [1296, 128, 32, 5]}
    assert fc.network_text(layers["logistic"]) == "1296-5 network, no hidden layer"
    assert fc.network_text(layers["hidden2"]) == "1296-128-32-5 network, sigmoid hidden layers"


def test_confusion_figure_reads_like_the_printed_table():
    """Rows are actual fonts with font 0 at the top, columns predicted with font 0 at the left, a
    tick label on each cell's centre, the count in each cell, and axis titles (pcolor put font 0 at
    the bottom and its ticks on the cell edges)."""
    conf = np.arange(25).reshape(5, 5)
    conf[3, 1] = 99  # not symmetric in any way
    ax = fc.confusion_figure("hidden1", conf).axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), conf)
    left, right, bottom, top = ax.images[0].get_extent()
    assert (left, right, bottom, top) == (-0.5, 4.5, 4.5, -0.5)  # cell (i, j) is centred on x = j, y = i
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # y grows downwards: row 0 (font 0) is the top row
    labels = [f"font {i}" for i in range(5)]
    assert ax.get_xticks().tolist() == ax.get_yticks().tolist() == [0, 1, 2, 3, 4]
    assert [t.get_text() for t in ax.get_xticklabels()] == [t.get_text() for t in ax.get_yticklabels()] == labels
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(i, j): str(conf[i, j]) for i in range(5) for j in range(5)}
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted font", "actual font")
    assert "confusion matrix" in ax.get_title()


@pytest.mark.parametrize("model", list(fc.MODELS))
def test_every_weight_figure_has_a_title_one_colour_scale_and_its_bar(model):
    """Each tile had its own colour scale and no bar, so tiles could not be compared."""
    rng = np.random.default_rng(0)
    width = 5 if model == "logistic" else 128
    weights = rng.normal(size=(fc.n_pixels, width))
    weights[:, 3] *= 10  # one tile far stronger than the others
    fig = fc.input_weights_figure(model, weights)
    assert model in fig.get_suptitle() and "input weights" in fig.get_suptitle()
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == min(width, 32)
    limit = np.abs(weights[:, : len(images)]).max()
    assert {image.get_clim() for image in images} == {(-limit, limit)}  # shared, centred on 0
    bars = [image.colorbar for image in images if image.colorbar is not None]
    assert len(bars) == 1 and bars[0].ax.get_ylabel() == "weight"  # one bar, for every tile: they share the scale
    assert len(fig.axes) == len(images) + 1 and (bars[0].vmin, bars[0].vmax) == (-limit, limit)
    out = rng.normal(size=(128, 5))
    ax = fc.output_weights_figure(model, out).axes[0]
    assert ax.get_title() == f"{model}: output weights" and ax.get_xlabel() and ax.get_ylabel()
    limit = np.abs(out).max()
    assert ax.images[0].get_clim() == (-limit, limit) and ax.images[0].colorbar.ax.get_ylabel() == "weight"


def test_as_published_figures_are_titled_apart():
    rng = np.random.default_rng(0)
    assert fc.figure_prefix("hidden1") == "font_hidden1"
    assert fc.figure_prefix("hidden1", as_published=True) == "font_hidden1_as_published"
    fig = fc.input_weights_figure("hidden1", rng.random((fc.n_pixels, 128)), as_published=True)
    assert fig.get_suptitle().startswith("hidden1 as published: ")
    assert fc.confusion_figure("hidden1", np.eye(5, dtype=int), True).axes[0].get_title().startswith("hidden1 as pub")
    assert fc.output_weights_figure("hidden1", rng.random((128, 5)), True).axes[0].get_title().startswith("hidden1 as")
    steps, acc = np.arange(3), np.array([0.2, 0.2, 0.21])
    title = fc.accuracy_figure("hidden1", steps, acc, acc, layers=[1296, 128, 5], as_published=True).axes[0].get_title()
    assert title.startswith("hidden1 as published: 1296-128-5") and "the book's double-softmax loss" in title


def test_one_epoch_is_one_epoch(tmp_path, capsys):
    """The title and the summary line said "1 epochs"."""
    assert fc.epochs_text(1) == "1 epoch" and fc.epochs_text(25) == "25 epochs"
    ax = fc.accuracy_figure("logistic", np.array([0, 1]), np.array([0.2, 0.3]), np.array([0.2, 0.25])).axes[0]
    assert ax.get_title().endswith("accuracy over 1 epoch, softmax cross-entropy on the logits")
    assert fc.main(["--epochs", "1", "--seed", "0", "--figure-dir", str(tmp_path)]) == 0
    assert "\nlogistic, 1 epoch, softmax cross-entropy on the logits\n" in capsys.readouterr().out
