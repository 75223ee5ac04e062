"""tutorials/font_classifier.py: the book's split, short runs of each model, the double softmax,
the script, and figures a learner can read."""

import re

import numpy as np
import pytest

from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorial_kit.quiet_tf import tf
from tutorials import font_classifier as fc


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


def test_accuracy_curve_ends_at_the_final_accuracy():
    """The curve used to stop at epoch 990 of 1000 (measured before each 10th step), so its last
    point was not the printed final accuracy."""
    train_data, test_data, _ = fc.load_and_split()
    net = fc.build_graph("logistic", seed=0)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        steps, train_acc, test_acc = fc.train(net, sess, train_data, test_data, 25)
        final_train = sess.run(net.accuracy, feed_dict={net.x: train_data[0], net.y_: train_data[1]})
        final_test = sess.run(net.accuracy, feed_dict={net.x: test_data[0], net.y_: test_data[1]})
    assert steps.tolist() == [0, 10, 20, 25]
    assert (train_acc[-1], test_acc[-1]) == (final_train, final_test)
    assert train_acc[-1] > train_acc[0]  # 25 epochs of logistic regression move off chance
    ax = fc.accuracy_figure("logistic", steps, train_acc, test_acc).axes[0]
    assert ax.get_title() == "logistic: accuracy over 25 epochs"
    train_line, test_line = ax.get_lines()
    assert (train_line.get_xdata()[-1], train_line.get_ydata()[-1]) == (25, final_train)
    assert (test_line.get_xdata()[-1], test_line.get_ydata()[-1]) == (25, final_test)


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
def test_every_weight_figure_has_a_title(model):
    rng = np.random.default_rng(0)
    width = 5 if model == "logistic" else 128
    fig = fc.input_weights_figure(model, rng.random((fc.n_pixels, width)))
    assert model in fig.get_suptitle() and "input weights" in fig.get_suptitle()
    ax = fc.output_weights_figure(model, rng.random((128, 5))).axes[0]
    assert ax.get_title() == f"{model}: output weights" and ax.get_xlabel() and ax.get_ylabel()


def test_one_epoch_is_one_epoch(tmp_path, capsys):
    """The title and the summary line said "1 epochs"."""
    assert fc.epochs_text(1) == "1 epoch" and fc.epochs_text(25) == "25 epochs"
    ax = fc.accuracy_figure("logistic", np.array([0, 1]), np.array([0.2, 0.3]), np.array([0.2, 0.25])).axes[0]
    assert ax.get_title() == "logistic: accuracy over 1 epoch"
    assert fc.main(["--epochs", "1", "--seed", "0", "--figure-dir", str(tmp_path)]) == 0
    assert "\nlogistic, 1 epoch, softmax cross-entropy on the logits\n" in capsys.readouterr().out
