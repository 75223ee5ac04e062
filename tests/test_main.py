"""main.py: the MNIST article — graph, errata, checkpoints, output format and every bad input."""

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import main
import photos
from drawing import DIGITS, SEVEN, TWO, draw_digit
from helpers import MAIN, ROOT, SHORT_RUN, assert_one_line_error, run_script, start_script

ITERATION_LINE = re.compile(r"^Iteration (\d+) \t\| Loss = (\d+\.\d+(?:e-?\d+)?) \t\| Accuracy = (0\.\d+|1\.0)$")


def test_default_output_is_the_articles(trained):
    _, result = trained
    assert result.stderr == ""  # no TensorFlow logs, deprecation notes or warnings
    lines = result.stdout.splitlines()
    iterations = [ITERATION_LINE.match(line) for line in lines[:3]]
    assert all(iterations), lines[:3]
    assert [int(m.group(1)) for m in iterations] == [0, 100, 200]
    assert lines[3] == ""
    assert re.fullmatch(r"Accuracy on test set: 0\.\d+", lines[4])
    assert lines[5].startswith("Model saved in ")
    assert re.fullmatch(r"Prediction for test image: 2 \(confidence \d+\.\d%\)", lines[6])
    assert len(lines) == 7
    losses = [float(m.group(2)) for m in iterations]
    assert losses[-1] < losses[0]


def test_short_run_accuracy(trained):
    _, result = trained
    accuracy = float(re.search(r"Accuracy on test set: (\S+)", result.stdout).group(1))
    assert accuracy >= 0.87  # 300 of the 1000 iterations; the full run reaches about 0.94


def test_same_seed_same_numbers_and_plot_and_tensorboard(trained, tmp_path):
    _, first = trained
    plot, logs = tmp_path / "curves.png", tmp_path / "logs"
    again = run_script(MAIN, *SHORT_RUN, "--checkpoint-dir", tmp_path / "ck", "--plot", plot, "--log-dir", logs)
    assert again.returncode == 0 and again.stderr == ""

    def numbers(out):
        return [line for line in out.splitlines() if line.startswith(("Iteration", "Accuracy", "Prediction"))]

    assert numbers(again.stdout) == numbers(first.stdout)
    with Image.open(plot) as im:
        assert im.size[0] > 300 and im.size[1] > 200
    events = list(logs.glob("events.out.tfevents.*"))
    assert len(events) == 1 and events[0].stat().st_size > 10_000  # the graph and the summaries
    from tutorial_kit.quiet_tf import tf

    tags = {v.tag for e in tf.compat.v1.train.summary_iterator(str(events[0])) for v in e.summary.value}
    assert tags == {"loss", "accuracy"}


def ancestors(tensor):
    seen, todo = set(), [tensor.op]
    while todo:
        op = todo.pop()
        if op.name not in seen:
            seen.add(op.name)
            todo.extend(t.op for t in op.inputs)
    return seen


def adam_learning_rate(net):
    from tutorial_kit.quiet_tf import tf

    adam = next(op for op in net.graph.get_operations() if op.type == "ResourceApplyAdam")
    with tf.compat.v1.Session(graph=net.graph) as sess:
        return float(sess.run(adam.inputs[5]))  # var, m, v, beta1_power, beta2_power, lr, ...


def test_as_published_graph_is_linear_and_dropout_never_acts():
    published = main.build_graph(as_published=True, learning_rate=0.5)
    types = {op.type for op in published.graph.get_operations()}
    assert not types & {"Relu", "Sigmoid", "Tanh", "Elu", "Selu", "LeakyRelu"}
    assert published.layer_drop.op.name not in ancestors(published.output_layer)
    assert published.layer_3.op.name in ancestors(published.output_layer)
    assert adam_learning_rate(published) == pytest.approx(1e-4)  # hard-coded, whatever learning_rate says


def test_fixed_graph_has_relu_dropout_and_uses_learning_rate():
    fixed = main.build_graph(as_published=False, learning_rate=0.5)
    ops = fixed.graph.get_operations()
    assert sum(op.type == "Relu" for op in ops) == 3
    assert fixed.layer_drop.op.name in ancestors(fixed.output_layer)
    assert adam_learning_rate(fixed) == pytest.approx(0.5)
    assert fixed.keep_prob.op.type == "PlaceholderWithDefault"  # 1.0 when prediction does not feed it


@pytest.fixture(scope="module")
def own_digits(tmp_path_factory):
    """Files a user might draw: odd sizes, RGBA, JPEG, light on dark, a thin pen."""
    d = tmp_path_factory.mktemp("digits")
    darkness = 255 - np.asarray(draw_digit(TWO, (333, 271), box=(0.3, 0.1, 0.8, 0.9)).convert("L"))
    rgba = np.zeros((271, 333, 4), np.uint8)
    rgba[..., 3] = darkness
    Image.fromarray(rgba, "RGBA").save(d / "two_rgba_333x271.png")
    draw_digit(SEVEN, (640, 480), box=(0.5, 0.4, 0.9, 0.93), ink=(200, 30, 30), paper=(250, 245, 230)).save(
        d / "seven_photo.jpg", quality=70
    )
    draw_digit(SEVEN, (200, 200), ink=(255, 255, 255), paper=(0, 0, 0)).save(d / "seven_chalkboard.png")
    draw_digit(TWO, (900, 900), pen=0.015).save(d / "two_thin_pen.png")
    return d


def test_predict_own_digits_with_the_saved_model(trained, own_digits, tmp_path):
    checkpoints, training = trained
    files = sorted(own_digits.iterdir())
    result = run_script(
        MAIN,
        "--predict",
        ROOT / "test_img.png",
        *files,
        "--checkpoint-dir",
        checkpoints,
        "--show-input",
        tmp_path / "seen.png",
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Iteration" not in result.stdout  # used the checkpoint, no training
    assert re.match(
        r"Using the fixed network \(784-512-256-128-10\), trained .*, test accuracy 0\.\d{4} \(", result.stdout
    )
    predicted = dict(re.findall(r"^Prediction for (\S+): (\d)", result.stdout, flags=re.M))
    digit_of = {"two": "2", "seven": "7"}
    expected = {str(ROOT / "test_img.png"): "2", **{str(f): digit_of[f.name.split("_")[0]] for f in files}}
    assert predicted == expected
    # the same checkpoint gives the same answer, to the digit of confidence, as at the end of training
    confidence = re.search(r"Prediction for test image: 2 \((.*)\)", training.stdout).group(1)
    assert f"test_img.png: 2 ({confidence})" in result.stdout
    seen = sorted(tmp_path.glob("seen-[0-9].png"))
    assert len(seen) == 1 + len(files) and Image.open(seen[0]).size == (28, 28)
    assert len(list(tmp_path.glob("seen-[0-9]-sheet.png"))) == len(seen)  # the contact sheets beside them


def test_a_bad_file_does_not_stop_the_others(trained, tmp_path):
    checkpoints, _ = trained
    (tmp_path / "notes.png").write_text("shopping list\n")
    result = run_script(
        MAIN, "--predict", tmp_path / "notes.png", ROOT / "test_img.png", "--checkpoint-dir", checkpoints
    )
    assert_one_line_error(result, "notes.png", "not an image")
    assert re.search(r"^Prediction for .*test_img\.png: 2 ", result.stdout, flags=re.M)


def _bad_images(tmp_path):
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("hello\n")
    draw_digit(TWO, (300, 300)).save(tmp_path / "cut.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "cut.png").read_bytes()[:2000])
    Image.new("L", (64, 64), 255).save(tmp_path / "white.png")
    Image.new("RGB", (64, 64), 0).save(tmp_path / "black.png")
    Image.new("1", (10000, 9000), 1).save(tmp_path / "bomb.png")
    return {
        "missing.png": "no such file",
        "folder.png": "is a folder",
        "empty.png": "is empty",
        "text.png": "not an image",
        "cut.png": "truncated",
        "white.png": "no digit found",
        "black.png": "no digit found",
        "bomb.png": "decompression-bomb",
    }


def test_every_bad_image_is_one_clear_line(tmp_path):
    for name, message in _bad_images(tmp_path).items():
        result = run_script(MAIN, "--predict", tmp_path / name, "--checkpoint-dir", tmp_path / "none")
        assert_one_line_error(result, name, message)
        assert result.stdout == ""
    assert not (tmp_path / "none").exists()  # nothing trained, nothing written


@pytest.mark.parametrize(
    "flags",
    [
        ["--iterations", "0"],
        ["--iterations", "-5"],
        ["--iterations", "ten"],
        ["--batch-size", "0"],
        ["--batch-size", "60000"],
        ["--learning-rate", "0"],
        ["--learning-rate", "-0.1"],
        ["--learning-rate", "nan"],
        ["--dropout", "0"],
        ["--dropout", "1.5"],
        ["--plot", "no/such/folder/curves.png"],
        ["--show-input", "seen.jpg"],
        ["--show-input", ""],
        ["--seed", "-1"],
        ["--seed", "4294967296"],
        ["--predict", ""],
        ["--data-dir", ""],
        ["--checkpoint-dir", ""],
        ["--no-such-flag"],
    ],
)
def test_bad_flags_are_usage_errors(flags, tmp_path):
    result = run_script(MAIN, *flags, "--checkpoint-dir", tmp_path / "ck")
    line = assert_one_line_error(result, flags[0])
    if flags == ["--predict", ""]:
        assert "empty file name" in line
    assert not (tmp_path / "ck").exists()


def test_missing_or_corrupt_mnist_is_one_clear_line(mnist_copy, tmp_path):
    result = run_script(MAIN, "--data-dir", tmp_path / "nowhere", "--checkpoint-dir", tmp_path / "ck")
    assert_one_line_error(result, "no such folder", "nowhere")
    gz = mnist_copy / "t10k-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:5000])
    result = run_script(MAIN, "--data-dir", mnist_copy, "--checkpoint-dir", tmp_path / "ck")
    assert_one_line_error(result, "t10k-images-idx3-ubyte.gz is corrupt or truncated")
    assert result.stdout == "" and not (tmp_path / "ck").exists()


def test_ctrl_c_during_training_exits_130_and_keeps_the_checkpoint(trained, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(trained[0], checkpoints)
    before = {p.relative_to(checkpoints): p.read_bytes() for p in checkpoints.rglob("*") if p.is_file()}
    process = start_script(MAIN, "--iterations", "100000", "--checkpoint-dir", checkpoints)
    for line in process.stdout:
        if line.startswith("Iteration 100 "):
            process.send_signal(signal.SIGINT)
            break
    stdout, stderr = process.communicate(timeout=120)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_one_line_error(result, "interrupted", "the saved models, if any, are untouched", status=130)
    assert stdout == ""  # stopped at once: it waits for the step it is in, no more (not seconds of training)
    after = {p.relative_to(checkpoints): p.read_bytes() for p in checkpoints.rglob("*") if p.is_file()}
    assert after == before
    folder = checkpoints / json.loads((checkpoints / "latest-fixed.json").read_text())["path"]
    assert json.loads((folder / "manifest.json").read_text())["model"] == main.architecture(False)


def test_output_piped_into_a_reader_that_stops_early(tmp_path):
    """`python main.py | head -1`: no BrokenPipeError traceback."""
    process = start_script(MAIN, "--iterations", "10", "--checkpoint-dir", tmp_path)
    assert process.stdout.readline().startswith("Iteration 0 ")
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert stderr == ""


def test_output_folders_are_checked_before_training(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n")
    for flag, value in [("--checkpoint-dir", a_file), ("--checkpoint-dir", a_file / "sub"), ("--log-dir", a_file)]:
        result = run_script(MAIN, flag, value)
        assert_one_line_error(result, flag, "is a file, not a folder")
        assert result.stdout == ""  # refused before any training


def test_as_published_and_fixed_models_live_side_by_side(trained, tmp_path):
    """Trying --as-published (which the README invites) must not stop the next --predict."""
    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(trained[0], checkpoints)
    image = ROOT / "test_img.png"
    first = run_script(
        MAIN, "--predict", image, "--as-published", "--iterations", "50", "--checkpoint-dir", checkpoints
    )
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert first.stdout.startswith(
        "There is no saved model of the article's network as published (784-512-256-128-10): training"
    )
    fixed = run_script(MAIN, "--predict", image, "--checkpoint-dir", checkpoints)
    assert fixed.returncode == 0 and fixed.stdout.startswith("Using the fixed network"), fixed.stderr
    published = run_script(MAIN, "--predict", image, "--as-published", "--checkpoint-dir", checkpoints)
    assert published.stdout.startswith("Using the article's network as published"), published.stderr


def test_show_input_may_not_overwrite_an_input(tmp_path):
    drawing = tmp_path / "my.png"
    draw_digit(TWO, (100, 100)).save(drawing)
    link = tmp_path / "link.png"
    link.symlink_to(drawing)
    before = drawing.read_bytes()
    for show in (drawing, link):
        result = run_script(MAIN, "--predict", drawing, "--show-input", show, "--checkpoint-dir", tmp_path / "ck")
        assert_one_line_error(result, "would be overwritten", "--show-input")
        assert result.stdout == "" and not (tmp_path / "ck").exists()  # refused before any work
    assert drawing.read_bytes() == before


def test_the_checkpoint_folder_is_checked_before_training(tmp_path):
    (tmp_path / "latest-fixed.json").mkdir()  # e.g. a folder where the pointer file should go
    result = run_script(MAIN, "--checkpoint-dir", tmp_path)
    assert_one_line_error(result, "cannot save the model", "latest-fixed.json is a folder")
    assert "Iteration" not in result.stdout  # refused before training, not after the full run


def test_training_flags_with_a_saved_model_get_a_note(trained, tmp_path):
    checkpoints, _ = trained
    plot = tmp_path / "curves.png"
    result = run_script(
        MAIN, "--predict", ROOT / "test_img.png", "--iterations", "5", "--plot", plot, "--checkpoint-dir", checkpoints
    )
    assert result.returncode == 0 and result.stderr == ""
    assert "Note: --iterations, --plot only apply to training; this run uses the saved model (add --retrain" in (
        result.stdout
    )
    assert not plot.exists() and "Iteration" not in result.stdout


def test_a_missing_test_image_is_reported_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(main, "TEST_IMAGE", tmp_path / "test_img.png")
    assert main.main(["--iterations", "1", "--checkpoint-dir", str(tmp_path / "ck")]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and "test_img.png: no such file" in err and len(err.splitlines()) == 1
    assert out == "" and not (tmp_path / "ck").exists()


def test_a_clearly_worse_model_says_how_to_get_the_better_one_back(trained, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(trained[0], checkpoints)
    result = run_script(MAIN, "--iterations", "1", "--seed", "0", "--checkpoint-dir", checkpoints)
    assert result.returncode == 0, result.stderr
    note = re.search(r"^Note: the model saved before was more accurate \((0\.\d{4})\) and is kept; "
                     r"use it with --checkpoint-dir (\S+)$", result.stdout, flags=re.M)  # fmt: skip
    assert note, result.stdout
    kept = run_script(MAIN, "--predict", ROOT / "test_img.png", "--checkpoint-dir", note.group(2))
    assert kept.returncode == 0 and f"test accuracy {note.group(1)}" in kept.stdout


def test_photos_and_screenshots_are_read_as_their_clean_drawings(trained, tmp_path):
    """All ten digits, each drawn cleanly, photographed on a desk in portrait (EXIF 6) and in a
    paint program's screenshot: the saved model reads the photo as it reads the clean drawing."""
    checkpoints, _ = trained
    for digit, strokes in enumerate(DIGITS):
        draw_digit(strokes, (280, 280)).save(tmp_path / f"clean-{digit}.png")
        (tmp_path / f"desk-{digit}.jpg").write_bytes(photos.with_orientation(photos.sheet_on_desk(strokes), 6))
        photos.paint_screenshot(strokes).save(tmp_path / f"screen-{digit}.png")
    files = sorted(tmp_path.iterdir())
    result = run_script(MAIN, "--predict", *files, "--checkpoint-dir", checkpoints)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    read = {Path(f).stem: d for f, d in re.findall(r"^Prediction for (\S+): (\d)", result.stdout, flags=re.M)}
    assert len(read) == 30
    assert sum(read[f"clean-{d}"] == str(d) for d in range(10)) >= 8  # a 300-iteration model
    same = [read[f"{kind}-{d}"] == read[f"clean-{d}"] for kind in ("desk", "screen") for d in range(10)]
    assert sum(same) >= 19, result.stdout


TRAINING_OPS = {"ResourceApplyAdam", "SoftmaxCrossEntropyWithLogits", "ArgMax"}


def test_a_saved_model_predicts_without_importing_tensorflow(trained):
    """--predict and draw.py: the saved weights in NumPy; TensorFlow's import (~3 s) is never paid."""
    code = (
        "import sys, numpy as np, main\n"
        f"model = main.load_or_train(checkpoint_dir=main.Path({str(trained[0])!r}), use_saved=True)\n"
        "p = model.probabilities(np.zeros((2, 784), np.float32))\n"
        "print(model.trained_now, p.shape, round(float(p.sum()), 4), 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "(2,", "10)", "2.0", "False"], result.stdout + result.stderr


def test_a_model_saved_before_weights_npz_is_used_in_a_graph_without_training_ops(trained, tmp_path):
    """Such a model is restored into TensorFlow: no loss, no gradients, no Adam (about 0.3 s, never run)."""
    old = tmp_path / "old"
    shutil.copytree(trained[0], old)
    for arrays in old.glob("*/weights.npz"):
        arrays.unlink()
    model = main.load_or_train(checkpoint_dir=old, use_saved=True)
    try:
        assert not model.trained_now and model.saved.folder.parent == old
        net, sess = model.probabilities.args
        ops = net.graph.get_operations()
        assert not {op.type for op in ops} & TRAINING_OPS
        assert not [op.name for op in ops if "gradients" in op.name or "Adam" in op.name]
        assert net.Y is None and net.train_step is None and net.accuracy is None
        p = model.probabilities(np.zeros((2, 784), np.float32))
        assert p.shape == (2, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    finally:
        model.close()
    trained_graph = {op.type for op in main.build_graph().graph.get_operations()}
    assert TRAINING_OPS <= trained_graph  # the training graph has them: the test above can fail


def test_build_graph_returns_the_articles_named_fields():
    net = main.build_graph(seed=0)
    assert isinstance(net, main.Graph)
    article = ["X", "Y", "keep_prob", "weights", "biases", "layer_1", "layer_2", "layer_3", "layer_drop"]
    article += ["output_layer", "cross_entropy", "train_step", "correct_pred", "accuracy", "init"]
    assert set(article) <= set(main.Graph._fields)
    assert not {"v1", "activation", "as_published", "seed"} & set(main.Graph._fields)  # no local by accident
    assert sorted(net.weights) == ["out", "w1", "w2", "w3"] and sorted(net.biases) == ["b1", "b2", "b3", "out"]


def test_load_or_train_takes_named_values_with_the_articles_defaults():
    import inspect

    parameters = inspect.signature(main.load_or_train).parameters
    assert "args" not in parameters
    defaults = {name: p.default for name, p in parameters.items()}
    assert defaults["iterations"] == main.n_iterations == 1000 and defaults["batch_size"] == main.batch_size == 128
    assert defaults["learning_rate"] == main.learning_rate and defaults["dropout"] == main.dropout
    assert defaults["seed"] is None and defaults["log_dir"] is None and defaults["plot"] is None


def test_main_py_reads_beside_the_article():
    """The article's six step headings, in order, and Step 2's lines as it writes them."""
    source = MAIN.read_text()
    steps = [
        "# Step 1 — Configuring the Project",
        "# Step 2 — Importing the MNIST Dataset",
        "# Step 3 — Defining the Neural Network Architecture",
        "# Step 4 — Building the TensorFlow Graph",
        "# Step 5 — Training and Testing",
        "# Step 6 — Using the Model to Predict",
    ]
    where = [source.find(step) for step in steps]
    assert -1 not in where and where == sorted(where), where
    for line in (
        "n_train = mnist.train.num_examples  # 55,000",
        "n_validation = mnist.validation.num_examples  # 5000",
        "n_test = mnist.test.num_examples  # 10,000",
    ):
        assert re.search(rf"^    {re.escape(line)}$", source, flags=re.M), line
    assert where[1] < source.find("def import_mnist") < where[2] < source.find("n_input = 784") < where[3]
    assert where[3] < source.find("def build_graph") < where[4] < source.find("def train(") < where[5]


def test_dry_run_and_retrain_without_predict_say_what_is_true():
    result = run_script(MAIN, "--dry-run", "--retrain", "--iterations", "5", timeout=300)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Note: --retrain only matters with --predict; python main.py always trains a new model."
    assert "try your own digit" not in result.stdout and "Model saved in" not in result.stdout  # it is removed at exit
    assert "Dry run: the model was saved in a temporary folder, removed at exit (python main.py keeps one)." in lines
    assert re.match(r"Prediction for test image: \d \(confidence", lines[-1])
    assert "Note: --retrain" not in run_script(MAIN, "--help").stdout
