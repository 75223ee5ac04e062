"""tutorials/mnist_cnn.py: the graph, a short training run, the text's running accuracy, bad input."""

import pytest

from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorial_kit import input_data
from tutorials import mnist_cnn


def quiet(*args, **kwargs):
    pass


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
    from tutorial_kit.quiet_tf import tf

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
    assert_one_line_error(result, "no such folder", "nowhere")


def test_batch_larger_than_the_training_set_is_refused_before_any_work():
    """--batch-size 100000 used to end in next_batch's ValueError traceback after loading MNIST."""
    args = mnist_cnn.parse_args(["--batch-size", "55000"])
    assert args.batch_size == 55000 == mnist_cnn.train_size == input_data.read_data_sets().train.num_examples
    with pytest.raises(SystemExit) as exited:
        mnist_cnn.parse_args(["--batch-size", "55001"])
    assert exited.value.code == 2


def test_dry_run_is_the_same_loop_on_a_handful():
    args = mnist_cnn.parse_args(["--dry-run", "--steps", "2"])
    assert (args.steps, args.test_size) == (2, mnist_cnn.DRY_RUN["test_size"])
    args = mnist_cnn.parse_args([])
    assert (args.steps, args.test_size) == (1000, None)  # the text's run: 1000 steps, all 10,000 test images
