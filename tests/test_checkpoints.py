"""checkpoints.py: models saved side by side, atomically, and cleaned up without touching the user's files."""

import argparse
import contextlib
import errno
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import browser
import main
from helpers import MAIN, ROOT, SCRIPT_ENV, assert_one_line_error, needs_setpriv, run_script, run_without_root
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
        saved, better = checkpoints.save(net, sess, folder, arch, accuracy, iterations=1)
        return saved, better, sess.run(net.probabilities, {net.X: IMAGES})


def restored_probabilities(folder, arch=FIXED):
    net = main.build_graph(as_published=arch["as_published"], seed=99)  # other weights until restored
    with session(net, init=False) as sess:
        checkpoints.restore(net.saver, sess, checkpoints.latest(folder, arch))
        return sess.run(net.probabilities, {net.X: IMAGES})


def saved_network_probabilities(folder, arch, images):
    """--predict's way: the latest model's weights.npz, through the layers in NumPy."""
    return checkpoints.load_network(checkpoints.latest(folder, arch)).probabilities(images)


@pytest.mark.parametrize("arch", [FIXED, PUBLISHED], ids=["fixed", "as-published"])
def test_the_numpy_network_answers_as_the_session_does(tmp_path, arch):
    """--predict and draw.py read weights.npz and predict in NumPy: the same probabilities as the graph."""
    _, _, expected = save(tmp_path, arch)
    images = np.concatenate([IMAGES, np.eye(784, dtype=np.float32)[:50] * 3])  # and some large activations
    net = main.build_graph(as_published=arch["as_published"], seed=99)
    with session(net, init=False) as sess:
        checkpoints.restore(net.saver, sess, checkpoints.latest(tmp_path, arch))
        from_graph = sess.run(net.probabilities, {net.X: images})
    from_numpy = saved_network_probabilities(tmp_path, arch, images)
    assert from_numpy.shape == (55, 10) and from_numpy.dtype == np.float32
    np.testing.assert_allclose(from_numpy, from_graph, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(from_numpy[:5], expected, rtol=1e-4, atol=1e-6)
    assert not np.allclose(from_numpy[:5], from_numpy[:5].mean(axis=0))  # not a constant answer


def test_a_model_saved_before_weights_npz_has_no_numpy_network(tmp_path):
    saved, _, _ = save(tmp_path)
    (saved.folder / "weights.npz").unlink()
    assert checkpoints.load_network(checkpoints.latest(tmp_path, FIXED)) is None


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
            checkpoints.save(net, sess, tmp_path, FIXED, 0.99, iterations=1)
    assert (tmp_path / "latest-fixed.json").read_text() == pointer
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".lock") == ["latest-fixed.json", good.folder.name]
    np.testing.assert_array_equal(restored_probabilities(tmp_path), expected)


def test_two_runs_saving_at_once_leave_a_complete_model(tmp_path, monkeypatch):
    """Force the interleaving that broke the old code: run A is cleaning up (holding the writers'
    lock) while run B starts its save. The lock makes B wait; the pointer ends at B's complete model."""
    cleaning, b_asks = threading.Event(), threading.Event()
    original_clean_up, original_locked = checkpoints._clean_up, checkpoints._locked
    results = {}

    def slow_clean_up(*args):
        if threading.current_thread().name == "A":
            cleaning.set()
            assert b_asks.wait(timeout=60)  # B asks for the lock meanwhile...
            time.sleep(0.5)  # ...and waits for it
        return original_clean_up(*args)

    @contextlib.contextmanager
    def asking(checkpoint_dir):
        if threading.current_thread().name == "B":
            b_asks.set()
        with original_locked(checkpoint_dir):
            yield

    monkeypatch.setattr(checkpoints, "_clean_up", slow_clean_up)
    monkeypatch.setattr(checkpoints, "_locked", asking)

    def run(name, seed):
        net = main.build_graph(seed=seed)
        with session(net) as sess:
            results[name] = checkpoints.save(net, sess, tmp_path, FIXED, 0.9, iterations=1)[0]
            results.setdefault("order", []).append(name)
            results[name + " probabilities"] = sess.run(net.probabilities, {net.X: IMAGES})

    a = threading.Thread(target=run, args=("A", 1), name="A")
    a.start()
    assert cleaning.wait(timeout=60)
    b = threading.Thread(target=run, args=("B", 2), name="B")
    b.start()
    a.join(timeout=120)
    b.join(timeout=120)
    assert results["order"] == ["A", "B"]  # B waited for A's clean-up
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


@pytest.mark.parametrize("damage", ["cut short", "one byte changed", "other sizes", "tensorflow's data (older model)"])
def test_damaged_weights_name_the_folder_and_say_retrain(tmp_path, damage):
    saved, _, _ = save(tmp_path)
    arrays = saved.folder / "weights.npz"
    if damage == "cut short":
        arrays.write_bytes(arrays.read_bytes()[:5000])
    elif damage == "one byte changed":
        content = bytearray(arrays.read_bytes())
        content[len(content) // 2] ^= 0xFF
        arrays.write_bytes(bytes(content))
    elif damage == "other sizes":
        np.savez(arrays, **{f"w{i}": np.zeros((3, 3)) for i in range(4)}, **{f"b{i}": np.zeros(3) for i in range(4)})
    else:
        arrays.unlink()
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


UNREADABLE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})  # this checkout's modules, from another working directory
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


# --- readers and saves at once: no good model is ever reported damaged ------------------------------


def test_a_reader_holds_the_model_it_read_until_it_is_restored(tmp_path):
    """The clean-up of a save used to delete the folder between a reader's pointer read and its restore."""
    _, _, expected = save(tmp_path, seed=1)
    held = checkpoints.latest(tmp_path, FIXED)
    for seed in (2, 3):  # each save cleans up the older models it may
        save(tmp_path, seed=seed)
    assert held.folder.is_dir()
    net = main.build_graph(seed=99)
    with session(net, init=False) as sess:
        checkpoints.restore(net.saver, sess, held)
        np.testing.assert_array_equal(sess.run(net.probabilities, {net.X: IMAGES}), expected)
    newest, _, _ = save(tmp_path, seed=4)  # restored, so released: cleaned up now
    assert not held.folder.exists()
    assert [p.name for p in tmp_path.glob("model-*")] == [newest.folder.name]


def test_a_pointer_that_moves_while_it_is_read_is_read_again(tmp_path, monkeypatch):
    """Force the interleaving: a save switches the pointer and deletes the folder just read."""
    save(tmp_path, seed=1)
    original, calls, newer = checkpoints._held_model, [], []

    def saved_meanwhile(folder):
        calls.append(folder)
        if len(calls) == 1:  # the save's own reading (the second call) is left alone
            newer.append(save(tmp_path, seed=2))  # the pointer moves; `folder`, held by nobody, is deleted
            assert not folder.exists()
        return original(folder)

    monkeypatch.setattr(checkpoints, "_held_model", saved_meanwhile)
    model = checkpoints.latest(tmp_path, FIXED)
    assert model.folder == newer[0][0].folder and len(calls) == 3  # read, the save's reading, read again
    monkeypatch.undo()
    np.testing.assert_array_equal(restored_probabilities(tmp_path), newer[0][2])


def test_a_pointer_that_keeps_moving_says_so_and_not_damaged(tmp_path, monkeypatch):
    save(tmp_path)
    pointer = tmp_path / "latest-fixed.json"

    def moved_again(folder):  # each time the folder is gone and the pointer names another
        pointer.write_text(json.dumps({"path": folder.name, "move": time.monotonic_ns()}))

    monkeypatch.setattr(checkpoints, "_held_model", moved_again)
    with pytest.raises(CheckpointError) as info:
        checkpoints.latest(tmp_path, FIXED)
    assert str(info.value) == (
        f"{pointer} moved {checkpoints.POINTER_MOVES} times while being read (other runs are saving); run again"
    )


def test_a_reader_racing_a_save_loop_is_never_told_damaged(tmp_path):
    """A bounded race (benchmarks/bench_checkpoint_race.py runs it for 15 s between processes)."""
    _, _, expected = save(tmp_path, seed=1)
    stop, saves, errors = threading.Event(), [], []

    def save_loop():
        net = main.build_graph(seed=1)  # the same weights every time: every read must give `expected`
        with session(net) as sess:
            while not stop.is_set():
                try:
                    checkpoints.save(net, sess, tmp_path, FIXED, 0.9, iterations=1)
                except CheckpointError as exc:
                    errors.append(f"save: {exc}")
                    return
                saves.append(1)

    saver = threading.Thread(target=save_loop)
    saver.start()
    reads = 0
    try:
        net = main.build_graph(seed=99)
        with session(net, init=False) as sess:
            deadline = time.monotonic() + 4
            while (time.monotonic() < deadline or len(saves) < 5) and saver.is_alive():
                try:
                    checkpoints.restore(net.saver, sess, checkpoints.latest(tmp_path, FIXED))
                    np.testing.assert_array_equal(sess.run(net.probabilities, {net.X: IMAGES}), expected)
                except CheckpointError as exc:
                    errors.append(str(exc))
                reads += 1
    finally:
        stop.set()
        saver.join(timeout=120)
    assert errors == [] and reads >= 10 and len(saves) >= 5, (errors[:3], reads, len(saves))
    assert [p.name for p in tmp_path.glob(".saving-*")] == []


def test_reading_writes_nothing(tmp_path):
    save(tmp_path)
    (tmp_path / ".lock").unlink()  # the readers' old shared lock created it

    def state():
        return sorted((str(p.relative_to(tmp_path)), p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))

    before = state()
    restored_probabilities(tmp_path)
    assert state() == before


# --- saves that are killed or fail ---------------------------------------------------------------

HANGING_SAVE = """
import sys, time
from pathlib import Path
import main
from tutorial_kit import checkpoints
from tutorial_kit.quiet_tf import tf

net = main.build_graph(seed=1)
write_weights = net.saver.save

def hang(sess, path, **kwargs):
    if sys.argv[2] == "after the weights":
        write_weights(sess, path, **kwargs)
    print("saving", flush=True)
    time.sleep(600)

net.saver.save = hang
with tf.compat.v1.Session(graph=net.graph) as sess:
    sess.run(net.init)
    checkpoints.save(net, sess, Path(sys.argv[1]), main.architecture(False), 0.9, iterations=1)
"""


def test_killed_saves_are_cleaned_up_by_the_next_save_and_live_ones_never(tmp_path):
    good, _, _ = save(tmp_path)
    mine = tmp_path / ".saving-my-notes"  # a folder of the user's that looks like ours
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    hanging = [
        subprocess.Popen(
            [sys.executable, "-c", HANGING_SAVE, str(tmp_path), phase],
            cwd=ROOT,
            env=SCRIPT_ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for phase in ("before the weights", "after the weights")
    ]
    try:
        for process in hanging:
            assert process.stdout.readline() == "saving\n", process.stderr.read()
        (tmp_path / ".saving-killedbeforemark").mkdir()  # empty: a save killed before it marked its folder
        saving = sorted(tmp_path.glob(".saving-*"))
        assert len(saving) == 4 and any((folder / "model.index").is_file() for folder in saving)
        second, _, _ = save(tmp_path, seed=2)  # the two live saves are left alone
        assert sorted(tmp_path.glob(".saving-*")) == [p for p in saving if p.name != ".saving-killedbeforemark"]
    finally:
        for process in hanging:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=60)
    assert all(process.returncode == -signal.SIGKILL for process in hanging)
    third, _, third_probabilities = save(tmp_path, seed=3)
    assert sorted(p.name for p in tmp_path.glob(".saving-*")) == [mine.name]
    assert (mine / "notes.txt").read_text() == "mine\n"
    assert [p.name for p in tmp_path.glob("model-*")] == [third.folder.name]
    np.testing.assert_array_equal(restored_probabilities(tmp_path), third_probabilities)
    assert not good.folder.exists() and not second.folder.exists()


NO_SPACE = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["weights", "manifest", "pointer"])
def test_a_full_disk_is_said_in_words_and_the_new_folder_removed(tmp_path, monkeypatch, where):
    """TensorFlow's write raised ResourceExhaustedError, shown as such; a failed pointer write left a
    complete model that no pointer names."""
    good, _, expected = save(tmp_path)
    pointer = (tmp_path / "latest-fixed.json").read_text()
    net = main.build_graph(seed=5)
    if where == "weights":

        def full_disk(sess, path, **kwargs):
            Path(path + ".index").write_bytes(b"half")
            raise tf.errors.ResourceExhaustedError(None, None, f"{path}.data-00000-of-00001; No space left on device")

        monkeypatch.setattr(net.saver, "save", full_disk)
    else:
        name, write_text = ("manifest.json" if where == "manifest" else ".latest-fixed.json"), Path.write_text

        def full_disk(self, *args, **kwargs):
            if self.name.startswith(name):
                raise NO_SPACE
            return write_text(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", full_disk)
    with session(net) as sess, pytest.raises(CheckpointError) as info:
        checkpoints.save(net, sess, tmp_path, FIXED, 0.99, iterations=1)
    monkeypatch.undo()
    message = str(info.value)
    assert message.startswith("cannot save the model") and "(no space left on device); free some space" in message
    assert "Exhausted" not in message and message.endswith("the models saved before are untouched")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".lock") == ["latest-fixed.json", good.folder.name]
    assert (tmp_path / "latest-fixed.json").read_text() == pointer
    np.testing.assert_array_equal(restored_probabilities(tmp_path), expected)


# --- read-only model folders and a --checkpoint-dir that does not exist ------------------------------


def read_only(folder, *command):
    """`command` in a mount namespace of its own where `folder` is a read-only bind mount: nothing
    can write there, root included. Fails, never skips, where that cannot be arranged."""
    unshare = shutil.which("unshare")
    assert unshare, "the read-only folder tests need unshare (util-linux)"
    script = (
        'mount --bind -o ro "$1" "$1" && ! touch "$1/.probe" 2>/dev/null && shift && exec "$@"; '
        'echo "error: could not make $1 read-only" >&2; exit 99'
    )
    return [unshare, "--map-root-user", "--mount", "sh", "-c", script, "sh", str(folder), *map(str, command)]


def state(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_predict_uses_a_read_only_model_folder(tmp_path):
    """It refused: "folder … is not writable"."""
    folder = tmp_path / "models"
    save(folder)
    before = state(folder)
    command = read_only(folder, sys.executable, MAIN, "--predict", ROOT / "test_img.png", "--checkpoint-dir", folder)
    result = subprocess.run(command, cwd=ROOT, env=SCRIPT_ENV, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and result.stderr == "", (result.returncode, result.stderr)
    assert result.stdout.startswith("Using the fixed network (784-512-256-128-10)"), result.stdout
    assert re.search(r"^Prediction for .*test_img\.png: \d ", result.stdout, flags=re.M), result.stdout
    assert state(folder) == before
    # training into it is refused before any training, not after the run
    result = subprocess.run(
        read_only(folder, sys.executable, MAIN, "--checkpoint-dir", folder / "new"),
        cwd=ROOT, env=SCRIPT_ENV, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert_one_line_error(result, "cannot save the model", f"{folder} is not writable")
    assert result.stdout == "" and state(folder) == before


def test_draw_serves_a_read_only_model_folder(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    saved, _, _ = save(folder)
    before = state(folder)
    monkeypatch.setattr(  # draw.py as the tests start it, inside the read-only namespace
        browser, "start_script",
        lambda script, *args: subprocess.Popen(
            read_only(folder, sys.executable, script, *args),
            cwd=ROOT, env=SCRIPT_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ),
    )  # fmt: skip
    running = browser.DrawServer("--port", "0", "--no-browser", "--checkpoint-dir", folder)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
        connection.request("GET", "/")
        response = connection.getresponse()
        page = response.read().decode()
        connection.close()
    finally:
        stopped = running.stop()
    out, err = running.output()
    assert stopped == 0 and err == [], (stopped, out, err)
    assert out[0].startswith("Using the fixed network (784-512-256-128-10)") and out[-1] == "Stopped.", out
    assert response.status == 200 and saved.trained in page
    assert state(folder) == before


@pytest.mark.parametrize("script", [MAIN, ROOT / "draw.py"])
def test_a_checkpoint_dir_given_for_reading_that_does_not_exist_is_an_error(tmp_path, script):
    """A typo trained a new model and created the folder (`/nonexistent/` was created at the root)."""
    typo = tmp_path / "chekpoints"
    flags = ["--predict", ROOT / "test_img.png"] if script == MAIN else ["--port", "0", "--no-browser"]
    result = run_script(script, *flags, "--checkpoint-dir", typo, timeout=600)
    line = assert_one_line_error(result, f"folder {typo} does not exist", "--checkpoint-dir")
    assert line.endswith("trained first when empty)")
    assert result.stdout == "" and not typo.exists()  # nothing trained, nothing created


def test_only_a_named_folder_must_exist_and_only_for_reading(tmp_path, capsys):
    missing = tmp_path / "missing"
    assert checkpoints.to_use(missing, FIXED, use_saved=True, retrain=False, must_exist=False) is None  # the default
    assert (
        capsys.readouterr().out
        == "There is no saved model of the fixed network (784-512-256-128-10): training one first.\n"
    )
    assert checkpoints.to_use(missing, FIXED, use_saved=True, retrain=True, must_exist=True) is None  # --retrain
    assert checkpoints.to_use(missing, FIXED, use_saved=False, retrain=False, must_exist=True) is None  # training
    with pytest.raises(CheckpointError, match="does not exist"):
        checkpoints.to_use(missing, FIXED, use_saved=True, retrain=False, must_exist=True)
    assert not missing.exists()


def test_the_checkpoint_dir_flag_checks_what_is_there_not_whether_it_is_writable(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    os.symlink("loopd", tmp_path / "loopd")
    for value, message in [("", "empty folder name"), (tmp_path / "notes.txt", "is a file, not a folder"),
                           (tmp_path / "loopd", "is a loop of symbolic links")]:  # fmt: skip
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            checkpoints.folder_flag(str(value))
    for value in (tmp_path, tmp_path / "new", "/"):  # "/" is not writable for a user: reading it is fine
        assert checkpoints.folder_flag(str(value)) == Path(value)
