"""checkpoints.py: models saved side by side, atomically, and cleaned up without touching the user's files."""

import json
import threading

import numpy as np
import pytest

import main
from helpers import MAIN, ROOT, assert_one_line_error, needs_setpriv, run_script, run_without_root
from tutorial_kit import checkpoints
from tutorial_kit.errors import CheckpointError
from tutorial_kit.quiet_tf import tf

FIXED, PUBLISHED = main.architecture(False), main.architecture(True)
IMAGES = np.random.default_rng(0).random((5, 784), dtype=np.float32)


def session(net, init=True):
    sess = tf.compat.v1.Session(graph=net.graph)
    if init:
        sess.run(net.init)
    return sess


def save(folder, arch=FIXED, accuracy=0.9, seed=1):
    """Save a freshly initialised network; returns (SavedModel, better, its probabilities on IMAGES)."""
    net = main.build_graph(as_published=arch["as_published"], seed=seed)
    with session(net) as sess:
        saved, better = checkpoints.save(net.saver, sess, folder, arch, accuracy, iterations=1)
        return saved, better, sess.run(net.probabilities, {net.X: IMAGES})


def restored_probabilities(folder, arch=FIXED):
    net = main.build_graph(as_published=arch["as_published"], seed=99)  # other weights until restored
    with session(net, init=False) as sess:
        checkpoints.restore(net.saver, sess, checkpoints.latest(folder, arch))
        return sess.run(net.probabilities, {net.X: IMAGES})


def test_round_trip_gives_identical_predictions(tmp_path):
    saved, better, expected = save(tmp_path)
    assert better is None and saved.folder.parent == tmp_path
    np.testing.assert_array_equal(restored_probabilities(tmp_path), expected)
    assert checkpoints.latest(tmp_path / "empty", FIXED) is None
    assert "the fixed network (784-512-256-128-10), trained " in saved.description()
    assert saved.description().endswith("test accuracy 0.9000")


def test_fixed_and_as_published_live_side_by_side(tmp_path):
    _, _, fixed = save(tmp_path, FIXED, seed=1)
    _, _, published = save(tmp_path, PUBLISHED, seed=2)
    np.testing.assert_array_equal(restored_probabilities(tmp_path, FIXED), fixed)
    np.testing.assert_array_equal(restored_probabilities(tmp_path, PUBLISHED), published)
    assert sorted(p.name for p in tmp_path.glob("latest-*.json")) == ["latest-as-published.json", "latest-fixed.json"]


def test_clean_up_removes_only_this_projects_older_models(tmp_path):
    mine = tmp_path / "model-my-project"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own work\n")
    lookalike = tmp_path / "model-fixed-20200101-000000-1"  # our naming, but no manifest of ours
    lookalike.mkdir()
    first, _, _ = save(tmp_path, accuracy=0.90)
    second, _, _ = save(tmp_path, accuracy=0.91)
    published, _, _ = save(tmp_path, PUBLISHED, accuracy=0.91)
    assert not first.folder.exists()  # replaced by a model at least as good: cleaned up
    assert second.folder.exists() and published.folder.exists()  # the latest of each kind
    assert (mine / "notes.txt").read_text() == "my own work\n" and lookalike.is_dir()


def test_a_clearly_worse_model_keeps_the_better_one(tmp_path):
    good, _, good_probabilities = save(tmp_path, accuracy=0.94)
    bad, better, _ = save(tmp_path, accuracy=0.11, seed=2)
    assert better is not None and better.folder == good.folder and good.folder.exists()
    assert checkpoints.latest(tmp_path, FIXED).folder == bad.folder  # the run just trained is the latest
    # --checkpoint-dir naming the kept folder uses it
    np.testing.assert_array_equal(restored_probabilities(good.folder), good_probabilities)
    third, better, _ = save(tmp_path, accuracy=0.5, seed=3)
    assert better.folder == good.folder and not bad.folder.exists()  # the best is still kept


def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    good, _, expected = save(tmp_path)
    pointer = (tmp_path / "latest-fixed.json").read_text()
    net = main.build_graph(seed=5)

    def interrupted_save(sess, path, **kwargs):
        with open(path + ".index", "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt

    with session(net) as sess:
        monkeypatch.setattr(net.saver, "save", interrupted_save)
        with pytest.raises(KeyboardInterrupt):
            checkpoints.save(net.saver, sess, tmp_path, FIXED, 0.99, iterations=1)
    assert (tmp_path / "latest-fixed.json").read_text() == pointer
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".lock") == ["latest-fixed.json", good.folder.name]
    np.testing.assert_array_equal(restored_probabilities(tmp_path), expected)


def test_two_runs_saving_at_once_leave_a_complete_model(tmp_path, monkeypatch):
    """Force the interleaving that broke the old code: run A is cleaning up while run B has just
    written its files. The lock makes B wait; the pointer ends at a complete model."""
    cleaning, b_saved = threading.Event(), threading.Event()
    original_clean_up = checkpoints._clean_up
    results = {}

    def slow_clean_up(*args):
        if threading.current_thread().name == "A":
            cleaning.set()
            b_saved.wait(timeout=60)  # B's weights are written meanwhile, then it waits for the lock
        return original_clean_up(*args)

    def slow_save(saver_save):
        def save_then_signal(sess, path, **kwargs):
            result = saver_save(sess, path, **kwargs)
            if threading.current_thread().name == "B":
                b_saved.set()
            return result

        return save_then_signal

    monkeypatch.setattr(checkpoints, "_clean_up", slow_clean_up)

    def run(name, seed):
        net = main.build_graph(seed=seed)
        with session(net) as sess:
            net.saver.save = slow_save(net.saver.save)
            results[name] = checkpoints.save(net.saver, sess, tmp_path, FIXED, 0.9, iterations=1)[0]
            results[name + " probabilities"] = sess.run(net.probabilities, {net.X: IMAGES})

    a = threading.Thread(target=run, args=("A", 1), name="A")
    a.start()
    assert cleaning.wait(timeout=60)
    b = threading.Thread(target=run, args=("B", 2), name="B")
    b.start()
    a.join(timeout=120)
    b.join(timeout=120)
    latest = checkpoints.latest(tmp_path, FIXED)
    assert latest.folder == results["B"].folder and (latest.folder / "model.index").is_file()
    np.testing.assert_array_equal(restored_probabilities(tmp_path), results["B probabilities"])


@pytest.mark.parametrize("model", ["x", {}, None, {"as_published": False}, {"layers": [784, 10]}])
def test_a_damaged_manifest_is_one_line(tmp_path, model):
    saved, _, _ = save(tmp_path)
    manifest = json.loads((saved.folder / "manifest.json").read_text())
    manifest["model"] = model
    (saved.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=r"manifest\.json is damaged; run with --retrain") as info:
        checkpoints.latest(tmp_path, FIXED)
    assert saved.folder.name in str(info.value)


@pytest.mark.parametrize("content", ["", "{", "[]", '{"path": 3}', '{"path": "model-gone"}', "null"])
def test_a_damaged_pointer_is_one_line(tmp_path, content):
    save(tmp_path)
    (tmp_path / "latest-fixed.json").write_text(content)
    with pytest.raises(CheckpointError, match=r"latest-fixed\.json is damaged; run with --retrain"):
        checkpoints.latest(tmp_path, FIXED)


def test_damaged_weights_name_the_folder_and_say_retrain(tmp_path):
    saved, _, _ = save(tmp_path)
    data = next(saved.folder.glob("model.data-*"))
    data.write_bytes(data.read_bytes()[:100])
    result = run_script(MAIN, "--predict", ROOT / "test_img.png", "--checkpoint-dir", tmp_path)
    line = assert_one_line_error(result, saved.folder.name, "damaged or incomplete", "--retrain")
    assert "Graph execution" not in line and line.endswith("train a new model")


def test_the_checkpoint_folder_is_checked_before_training(tmp_path):
    (tmp_path / "latest-fixed.json").mkdir()
    with pytest.raises(CheckpointError, match="latest-fixed.json is a folder"):
        checkpoints.check_writable(tmp_path, FIXED)
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o555)
    if not __import__("os").access(read_only, __import__("os").W_OK):  # root may write anywhere
        with pytest.raises(CheckpointError, match="not writable"):
            checkpoints.check_writable(read_only, FIXED)


def test_interrupted_note_says_what_was_saved(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "last_saved", None)
    assert checkpoints.interrupted_note() == "the saved models, if any, are untouched"
    saved, _, _ = save(tmp_path)
    assert checkpoints.interrupted_note() == f"the new model was saved in {saved.folder}"


def test_a_saved_model_of_another_architecture_is_one_line(tmp_path):
    """Never loaded silently: the error says what is saved and what this run builds."""
    saved, _, _ = save(tmp_path, FIXED)
    with pytest.raises(CheckpointError) as info:
        checkpoints.latest(saved.folder, PUBLISHED)  # --checkpoint-dir naming the fixed network's folder
    assert str(info.value) == (
        f"{saved.folder} holds the fixed network (784-512-256-128-10), but this run builds the article's network "
        "as published (784-512-256-128-10); run with --retrain to train a new model"
    )
    manifest = json.loads((saved.folder / "manifest.json").read_text())
    manifest["model"] = {"layers": [784, 10], "as_published": False}  # a model of other layers, by the pointer
    (saved.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=r"holds the fixed network \(784-10\), but this run builds the fixed"):
        checkpoints.latest(tmp_path, FIXED)


UNREADABLE = """
import sys
from pathlib import Path
import main
from tutorial_kit import checkpoints, cli
from tutorial_kit.quiet_tf import tf

def use(folder):
    net = main.build_graph()
    with tf.compat.v1.Session(graph=net.graph) as sess:
        checkpoints.restore(net.saver, sess, checkpoints.latest(Path(folder), main.architecture(False)))

for folder in sys.argv[1:]:
    try:
        use(folder)
    except checkpoints.CheckpointError as exc:
        print(exc)
"""


@needs_setpriv
def test_unreadable_pointer_manifest_or_weights_say_permission_denied(tmp_path):
    """They were reported as "damaged; run with --retrain", which they are not."""
    folders = [tmp_path / name for name in ("pointer", "manifest", "weights")]
    unreadable = []
    for folder in folders:
        saved, _, _ = save(folder)
        unreadable.append(
            {
                "pointer": folder / "latest-fixed.json",
                "manifest": saved.folder / "manifest.json",
                "weights": saved.folder / "model.index",
            }[folder.name]
        )
    for path in unreadable:
        path.chmod(0)
    result = run_without_root("-c", UNREADABLE, *folders, cwd=tmp_path, timeout=300)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        f"cannot read {path.relative_to(tmp_path)} (permission denied); run with --retrain to train a new model"
        for path in unreadable
    ]
