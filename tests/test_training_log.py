"""training_log.py: the TensorBoard events main.py writes open in the tensorboard installed by
requirements.txt; --plot draws every iteration, marks the printed points, shows the test accuracy
and names the network."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import main
from helpers import MAIN, run_script
from tutorial_kit import input_data
from tutorial_kit.quiet_tf import tf
from tutorial_kit.training_log import TrainingLog, curves_figure, network_name


def test_tensorboard_from_the_requirements_reads_the_runs_events(tmp_path):
    logs = tmp_path / "logs"
    result = run_script(MAIN, "--iterations", "201", "--seed", "0", "--log-dir", logs, "--checkpoint-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"tensorboard --logdir {logs}" in result.stdout
    tensorboard = Path(sys.executable).parent / "tensorboard"  # installed beside this Python, as for a user
    assert tensorboard.is_file(), "tensorboard is not installed by requirements.txt"
    inspect = subprocess.run(
        [tensorboard, "--inspect", "--logdir", logs], capture_output=True, text=True, timeout=120
    ).stdout
    tags, statistics = inspect.split("Event statistics")
    assert re.search(r"^scalars\n   accuracy\n   loss\n", tags, flags=re.M), inspect
    assert re.search(r"^graph\n", statistics, flags=re.M)  # the graph, for TensorBoard's Graphs tab
    scalars = re.search(r"^scalars\n((?:   .*\n)+)", statistics, flags=re.M).group(1)
    assert re.search(r"num_steps\s+3$", scalars, flags=re.M)  # iterations 0, 100 and 200, as printed
    assert re.search(r"last_step\s+200$", scalars, flags=re.M)


def test_plot_has_every_iteration_the_printed_points_the_test_accuracy_and_the_network(tmp_path):
    """The plot used to draw only the printed points (a dry run: one dot), without the test accuracy."""
    rng = np.random.default_rng(0)
    losses, accuracies = rng.random(250) + 0.5, rng.random(250)
    printed = [(0, 2.3, 0.1), (100, 0.9, 0.7), (200, 0.5, 0.85)]
    network = network_name(main.architecture(False))
    assert network == "784-512-256-128-10 MLP"
    assert network_name(main.architecture(True)) == "784-512-256-128-10 MLP as published"
    fig = curves_figure((losses, accuracies), printed, 0.9123, network)
    assert fig.get_suptitle() == "784-512-256-128-10 MLP, 250 iterations"
    ax_loss, ax_acc = fig.axes
    for ax, values, marks in ((ax_loss, losses, [2.3, 0.9, 0.5]), (ax_acc, accuracies, [0.1, 0.7, 0.85])):
        every, dots = ax.get_lines()[:2]
        assert every.get_xdata().tolist() == list(range(250))
        np.testing.assert_array_equal(every.get_ydata(), values)
        assert dots.get_xdata().tolist() == [0, 100, 200] and dots.get_ydata().tolist() == marks
        assert ax.get_xlabel() == "iteration" and ax.get_ylabel().startswith("minibatch")
    test_line = ax_acc.get_lines()[2]
    assert list(test_line.get_ydata()) == [0.9123, 0.9123]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "test set: 0.9123" in legend and any(text.startswith("printed") for text in legend)
    log = TrainingLog(architecture=main.architecture(False))
    for loss, accuracy in zip(losses, accuracies, strict=True):
        log.record(loss, accuracy)
    for point in printed:
        log.add(*point)
    assert log.notes(tmp_path / "curves.png", 0.9123) == [
        f"Loss and accuracy curves saved to {tmp_path / 'curves.png'}"
    ]
    with Image.open(tmp_path / "curves.png") as im:
        assert im.size[0] > 600 and im.size[1] > 300


def article_loop(net, sess, mnist, iterations, batch_size, dropout, as_published):
    """The article's loop as it stands, the train step run alone, with the loss and accuracy of each
    batch measured before its step by a run of its own (only harmless where that run draws no random
    numbers: the as-published graph, whose dropout is never used). Returns (printed, before)."""
    printed, before = [], []
    for i in range(iterations):
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        if as_published:
            before.append(sess.run([net.cross_entropy, net.accuracy], feed_dict={net.X: batch_x, net.Y: batch_y}))
        sess.run(net.train_step, feed_dict={net.X: batch_x, net.Y: batch_y, net.keep_prob: dropout})
        if i % 100 == 0:
            loss, accuracy = sess.run(
                [net.cross_entropy, net.accuracy], feed_dict={net.X: batch_x, net.Y: batch_y, net.keep_prob: 1.0}
            )
            printed.append((i, float(loss), float(accuracy)))
    return printed, before


@pytest.mark.parametrize("as_published", [False, True])
def test_recording_every_iteration_changes_no_printed_number(as_published, capsys):
    """main.train fetches each batch's loss and accuracy in its training step's own run: the printed
    numbers (and the random numbers of dropout) are the article's loop's, to the last digit."""
    runs = {}
    for recorded in (False, True):
        mnist = input_data.read_data_sets(input_data.MNIST_DIR, one_hot=True, seed=1)
        net = main.build_graph(as_published, seed=1)
        with tf.compat.v1.Session(graph=net.graph) as sess:
            sess.run(net.init)
            if recorded:
                log = TrainingLog()
                main.train(net, sess, mnist, 201, 128, 0.5, log)
                runs[recorded] = log.history, log.training
            else:
                runs[recorded] = article_loop(net, sess, mnist, 201, 128, 0.5, as_published)
    (printed, before), (history, (losses, accuracies)) = runs[False], runs[True]
    assert history == printed and [i for i, _, _ in history] == [0, 100, 200]
    assert len(losses) == len(accuracies) == 201  # every iteration
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["Iteration 0 ", "Iteration 100 ", "Iteration 200 "]
    if as_published:  # every recorded point is its batch's loss and accuracy before the step
        np.testing.assert_allclose(np.column_stack([losses, accuracies]), before, rtol=1e-5)
    else:  # with dropout: the training loss is higher than the printed one, after the step, without
        assert losses[0] > history[0][1]
