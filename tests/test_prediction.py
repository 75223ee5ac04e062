"""prediction.py: the --predict lines say how sure the answer is, and never overwrite an input."""

import contextlib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import own_digits
import pytest
from PIL import Image

import main
from helpers import MAIN, ROOT, SCRIPT_ENV
from tutorial_kit import digit_image, digit_shapes, prediction
from tutorial_kit.errors import NoDigitError, UsageError


def probabilities(**digits):
    p = np.full(10, 0.0)
    for digit, value in digits.items():
        p[int(digit[1:])] = value
    p[p == 0] = (1 - p.sum()) / np.count_nonzero(p == 0)
    return p


def test_a_sure_answer_is_one_digit():
    assert prediction.answer(probabilities(d2=0.989)) == "2 (confidence 98.9%)"


def test_an_unsure_answer_gives_the_runner_up():
    assert prediction.answer(probabilities(d4=0.48, d9=0.31)) == "4 (confidence 48.0%; or 9, 31.0%)"


def _item(count=1, notes=(), strangeness=0.2):
    return SimpleNamespace(
        images=np.zeros((count, 28, 28), np.float32), notes=list(notes), strangeness=np.full(count, strangeness)
    )


def test_marks_left_out_are_said_on_the_files_line(capsys):
    seven = probabilities(d7=0.97)[None]
    prediction.report("seven.png", _item(notes=["1 other mark left out"]), seven, None, {}, weigh=False)
    line = capsys.readouterr().out.strip()
    assert line == "Prediction for seven.png: 7 (confidence 97.0%) [1 other mark left out]"


def test_a_number_is_one_token_then_each_digits_confidence(capsys):
    p = np.stack(
        [probabilities(d2=0.99), probabilities(d0=0.97), probabilities(d2=0.55, d3=0.40), probabilities(d6=0.9)]
    )
    assert prediction.report("year.png", _item(4), p, None, {}, weigh=False)
    line = capsys.readouterr().out.strip()
    assert line == "Prediction for year.png: 2026 (2: 99.0%, 0: 97.0%, 2: 55.0% or 3, 40.0%, 6: 90.0%)"


def test_what_does_not_look_like_a_digit_is_an_error_line_naming_the_file(capsys):
    assert not prediction.report("letter.png", _item(strangeness=2.5), probabilities(d2=0.41, d7=0.3)[None], None, {})
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: letter.png: this does not look like a handwritten digit (closest: 2, 41%)")


def printed(digit: str, font: str) -> np.ndarray:
    """A digit printed in one of matplotlib's fonts on a white canvas, prepared: its 28×28 as a row of 784."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(im).text(
        (140, 140), digit, fill=0, font=ImageFont.truetype(str(own_digits.FONT_DIR / font), 120), anchor="mm"
    )
    return np.reshape(digit_image.prepare(im).images, (-1, 784))


def test_a_digit_the_network_misreads_but_whose_shape_is_clear_is_read_by_its_shape_with_a_note(capsys):
    """A printed 9 in Computer Modern (a curled tail): a network trained 10,000 iterations, which learnt
    MNIST's straight-stemmed 9s, read it 8 at 68 %; its shape is a 9's beyond doubt."""
    nine, network = printed("9", "cmr10.ttf"), probabilities(d8=0.68, d9=0.2)[None]
    weighed, notes = prediction.reading(network, nine)
    assert weighed[0].argmax() == 9 and weighed[0].sum() == pytest.approx(1)
    assert notes == ["confidence with its shape weighed in; the network alone reads 8 (68.0%)"]
    item = SimpleNamespace(images=nine.reshape(1, 28, 28), notes=[], strangeness=np.array([0.3]))
    assert prediction.report("nine.png", item, network, None, {})
    line = capsys.readouterr().out
    assert line.startswith("Prediction for nine.png: 9 (confidence ") and line.endswith(f"[{notes[0]}]\n")
    # what the network is sure of and the shape agrees with stays as it is, without a note
    sure, notes = prediction.reading(probabilities(d9=0.97)[None], nine)
    assert sure[0].argmax() == 9 and sure[0, 9] > 0.97 and notes == []
    # the article's network is answered alone (--as-published)
    assert prediction.reading(network, nine, weigh=False)[0].argmax() == 8


def test_printed_digits_and_mnists_are_read_better_with_their_shapes(trained, tmp_path):
    """main.py --predict of 60 printed digits (own_digits' printed family: ten fonts, canvases and
    photos): a network trained 300 iterations reads 49 alone, 60 with the shapes (measured); MNIST's
    first 1,000 test digits prepared as drawings: 0.887 alone, 0.926 with them."""
    items = list(own_digits.generate("printed", 60, seed=0, first_index=0))
    paths = [item.save(tmp_path / f"{k:02d}") for k, item in enumerate(items)]
    run = subprocess.run(
        [sys.executable, MAIN, "--predict", *paths, "--checkpoint-dir", trained[0]],
        capture_output=True, text=True, env=SCRIPT_ENV, timeout=600,
    )  # fmt: skip
    said = {Path(m[1]).name: m[2] for m in re.finditer(r"^Prediction for (.+?): (\d+) ", run.stdout, re.MULTILINE)}
    right = sum(said.get(path.name) == item.answer for path, item in zip(paths, items, strict=True))
    assert right >= 56, run.stdout
    digits = own_digits.Digits(0)
    images = np.stack([digit_shapes._as_drawn(digits.images[i]) for i in range(0, 1000, 2)]).reshape(-1, 784)
    labels = np.array([int(digits.answer([i])) for i in range(0, 1000, 2)])
    model = main.load_or_train(checkpoint_dir=trained[0], use_saved=True)
    try:
        alone = model.probabilities(images)
    finally:
        model.close()
    weighed, _ = prediction.reading(alone, images)
    assert np.mean(weighed.argmax(1) == labels) >= np.mean(alone.argmax(1) == labels) + 0.01


def test_show_input_replaces_only_its_own_earlier_pictures(tmp_path):
    """A file already at --show-input's path, or at the contact sheet's beside it (which the learner
    never named), is refused before any work unless --show-input saved it: a learner's seen.png was
    overwritten. Its own earlier pictures are replaced, so a second run to the same name works."""
    seen = tmp_path / "seen.png"
    seen.write_text("mine\n")
    with pytest.raises(UsageError, match="seen.png is there already and was not saved by --show-input"):
        prediction.check_not_theirs([seen])
    assert seen.read_text() == "mine\n"
    seen.unlink()
    digit_image.save_input(np.zeros((28, 28)), seen)
    Image.new("L", (8, 8)).save(prediction.sheet_path(seen))  # a PNG, but not one --show-input saved
    with pytest.raises(UsageError, match="seen-sheet.png is there already"):
        prediction.check_not_theirs([seen])
    prediction.sheet_path(seen).unlink()
    prediction.check_not_theirs([seen, None])  # its own 28×28: replaced without a word
    assert digit_image.made_here(seen) and not digit_image.made_here(tmp_path / "missing.png")


def test_output_paths_for_one_and_several_files():
    assert prediction.output_paths(Path("seen.png"), 1) == [Path("seen.png")]
    assert prediction.output_paths(Path("out/seen.png"), 2) == [Path("out/seen-1.png"), Path("out/seen-2.png")]
    assert prediction.output_paths(None, 2) == [None, None]
    assert prediction.sheet_path(Path("out/seen-1.png")) == Path("out/seen-1-sheet.png")


def test_an_output_that_is_an_input_is_refused(tmp_path):
    drawing = tmp_path / "my.png"
    drawing.write_bytes(b"mine")
    (tmp_path / "alias.png").symlink_to(drawing)
    with pytest.raises(UsageError, match="my.png is one of the images to predict and would be overwritten"):
        prediction.check_outputs([drawing], [drawing])
    with pytest.raises(UsageError, match="would be overwritten"):  # the same file through a link
        prediction.check_outputs([tmp_path / "alias.png"], [drawing])
    sheet = tmp_path / "seen-sheet.png"
    sheet.write_bytes(b"also mine")
    with pytest.raises(UsageError, match="seen-sheet.png is one of the images"):  # the contact sheet beside it
        prediction.check_outputs([sheet], [tmp_path / "seen.png"])
    prediction.check_outputs([drawing], [tmp_path / "seen.png", None])  # a new name is fine


def test_unused_training_flags_note():
    assert prediction.unused_flags_note([]) is None
    assert prediction.unused_flags_note(["--iterations"]).startswith("Note: --iterations only applies to training")
    assert prediction.unused_flags_note(["--seed", "--plot"]).startswith("Note: --seed, --plot only apply to training")


@pytest.mark.parametrize(
    "argv,training",
    [
        (["--predict", "a.png"], []),
        (["--predict", "a.png", "--iterations=5"], ["--iterations"]),
        (["--iter", "5", "--predict", "a.png"], ["--iterations"]),  # abbreviated: argparse's own reading
        (["--predict", "a.png", "--batch-size", "128", "--dropout", "0.5"], ["--batch-size", "--dropout"]),
        (["--predict", "a.png", "--checkpoint-dir", "ck", "--retrain"], []),  # used by --predict too
    ],
)
def test_the_training_flags_given_are_recorded_while_parsing(argv, training):
    """main.py's flags are parsed once; which were given comes from that parse, not from argv again."""
    import main

    args = main.parse_args(argv)
    assert args.training_flags_given == training
    assert set(training) <= set(args.given)


def test_only_pictures_searched_for_cuts_are_prepared_again_with_the_network(tmp_path):
    """main.py --predict prepares every file before training (a bad file is said at once); where
    touching digits were searched for cuts, the network then judges the cuts (prediction.judged)."""
    touching = next(
        item for item in own_digits.generate("number_touching_drawing", 10, first_index=0)
        if digit_image.prepare(item.image).searched
    )  # fmt: skip
    touching.image.save(tmp_path / "number.png")
    digit = next(
        item
        for item in own_digits.generate("drawing", 10, first_index=0)
        if not digit_image.prepare(item.image).searched
    )
    digit.image.save(tmp_path / "digit.png")  # one digit, plainly one (not a piece only a network can tell)
    calls = []

    def network(images):
        calls.append(len(images))
        return np.full((len(images), 10), 0.1)

    first = prediction.prepare_files([tmp_path / "number.png", tmp_path / "digit.png"], False, [None, None])
    assert [item.searched for _, item, _ in first] == [True, False]
    again = prediction.judged(first, network)
    assert calls  # the cut number was prepared again, its parts shown to the network
    assert again[1][1] is first[1][1]  # the single digit was not
    assert again[0][1].searched and again[0][1].picture is None  # no contact sheet asked for: no picture kept


def test_only_a_network_that_reads_mnist_well_judges_the_cuts():
    """A weakly trained network is unsure of every part and would cut touching digits too little."""

    def model(accuracy):
        return SimpleNamespace(saved=SimpleNamespace(test_accuracy=accuracy), probabilities=lambda images: None)

    assert prediction.judge(model(prediction.JUDGE_ACCURACY - 0.01)) is None
    strong = model(prediction.JUDGE_ACCURACY)
    assert prediction.judge(strong) is strong.probabilities
    prepared = [(Path("n.png"), SimpleNamespace(searched=True), None)]
    assert prediction.judged(prepared, None) == prepared  # no judge: nothing prepared again


def _network(top, as_published=False):
    """A model whose top probability for the k-th image it is shown is top(k)."""

    def probabilities(images):
        p = np.array([top(k) for k in range(len(images))])
        return np.column_stack([p] + [(1 - p) / 9] * 9)

    return SimpleNamespace(saved=SimpleNamespace(arch={"as_published": as_published}), probabilities=probabilities)


def test_sureness_is_the_networks_own_on_mnists_test_digits(tmp_path):
    """SURE and CERTAIN are where the network's top probability on MNIST's test digits (every fourth,
    2,500) leaves the least sure 2.5 % and 11 % below; refusal's own values with no test digits on
    disk (nothing downloaded) or for the article's network, fed raw pixels."""
    sure = prediction.sureness(_network(lambda k: 0.5 + 0.5 * k / 2500))  # evenly from 0.5 to 1
    assert sure["sure"] == pytest.approx(0.5 + 0.5 * prediction.SURE_SHARE, abs=1e-3)
    assert sure["certain"] == pytest.approx(0.5 + 0.5 * prediction.CERTAIN_SHARE, abs=1e-3)
    assert prediction.sureness(_network(lambda k: 0.5), data_dir=tmp_path) == {}
    assert prediction.sureness(_network(lambda k: 0.5, as_published=True)) == {}
    assert list(tmp_path.iterdir()) == []


def test_a_briefly_trained_network_reads_real_digits_it_is_unsure_of_yet_refuses_letters(trained):
    """A network trained 300 iterations is less sure of every digit than one trained 10,000: held to
    the latter's SURE and CERTAIN it refused 9 of 60 MNIST digits drawn or scanned, held to its own
    (prediction.sureness) none, while still refusing 52 of 60 letters and faces (measured)."""
    model = main.load_or_train(checkpoint_dir=trained[0], use_saved=True)
    try:
        sure = prediction.sureness(model)
        assert sure["sure"] < digit_image.SURE and sure["certain"] < digit_image.CERTAIN

        def refused(family, **levels):
            count = 0
            for item in own_digits.generate(family, 30, first_index=0):
                try:
                    prepared = digit_image.prepare(item.image)
                except NoDigitError:
                    count += 1
                    continue
                count += digit_image.refusal(prepared, model.probabilities(prepared.images), **levels) is not None
            return count

        digits = ("mnist", "drawing")
        assert sum(refused(family) for family in digits) >= 5
        assert sum(refused(family, **sure) for family in digits) <= 3
        assert sum(refused(family, **sure) for family in ("notdigit_letter", "notdigit_face")) >= 45
    finally:
        model.close()


def test_show_input_saves_the_picture_looked_at_when_no_digit_is_found(tmp_path, capsys):
    """--show-input is how a learner finds out why: a picture with no digit found wrote nothing
    and said nothing. Its contact sheet now shows the picture as looked at; no 28×28 is written."""
    from PIL import Image

    Image.new("L", (200, 150), 255).save(tmp_path / "blank.png")
    show = tmp_path / "seen.png"
    kept = prediction.prepare_files([tmp_path / "blank.png"], False, [show])
    out, err = capsys.readouterr()
    assert kept == [] and err.startswith("error: ") and "no digit found" in err
    assert not show.exists()
    sheet = prediction.sheet_path(show)
    assert f"the picture as looked at is saved in {sheet}" in out
    with Image.open(sheet) as im:
        assert im.format == "PNG" and im.height == digit_image.SHEET_HEIGHT + 30 and im.width >= 200


@pytest.fixture(scope="module")
def many_pictures(tmp_path_factory) -> list[Path]:
    """PARALLEL_FROM pictures and more, as a learner's folder holds them: photos of digits on a desk
    and of numbers, a blank photo, an empty file, a text file named .png."""
    folder = tmp_path_factory.mktemp("many")
    paths = []
    for family, count in [("desk", 8), ("grad", 8), ("number_apart_photo", 4), ("notdigit_blank", 3)]:
        for k, item in enumerate(own_digits.generate(family, count, seed=3)):
            paths.append(item.save(folder / f"{family}-{k}"))
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("not a picture\n")
    paths[5:5] = [folder / "empty.png", folder / "notes.png"]
    while len(paths) < prediction.PARALLEL_FROM + 4:
        paths.append(paths[len(paths) % 8])  # the same file twice is read twice
    return paths


def test_many_files_are_prepared_by_worker_processes_with_the_same_answers_and_error_lines(
    many_pictures, tmp_path, capsys, monkeypatch
):
    """1,000 photos in one --predict took 76 s on one core of two; from PARALLEL_FROM files on, one
    worker process per core prepares them. The same 28×28s, notes and error lines, in the files' order."""
    paths = many_pictures
    shows = prediction.output_paths(tmp_path / "seen.png", len(paths))
    pools = []

    class Pool(prediction.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(self)

    monkeypatch.setattr(prediction, "ProcessPoolExecutor", Pool)
    one = prediction.prepare_files(paths, False, shows, workers=1)
    alone = capsys.readouterr()
    assert not pools
    two = prediction.prepare_files(paths, False, shows, workers=2)
    together = capsys.readouterr()
    assert len(pools) == 1 and pools[0]._max_workers == 2
    assert together == alone
    assert alone.err.count("error: ") >= 5 and "empty.png is empty" in alone.err  # the blanks, the two bad files
    assert "the picture as looked at is saved in" in alone.out
    assert [path for path, _, _ in two] == [path for path, _, _ in one] and len(one) >= 25
    for (_, a, _), (_, b, _) in zip(one, two, strict=True):
        assert np.array_equal(a.images, b.images) and a.notes == b.notes and a.boxes == b.boxes
        assert np.array_equal(np.asarray(a.picture), np.asarray(b.picture))  # kept for the contact sheets

    class NoProcesses(prediction.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            raise OSError(38, "Function not implemented")  # no /dev/shm, as in some containers

    monkeypatch.setattr(prediction, "ProcessPoolExecutor", NoProcesses)
    here = prediction.prepare_files(paths, False, shows, workers=2)
    assert capsys.readouterr() == alone  # prepared in this process instead, no traceback
    assert [np.asarray(item.images).tolist() for _, item, _ in here] == [
        np.asarray(item.images).tolist() for _, item, _ in one
    ]


def _started_on_many(pictures: list[Path], tmp_path: Path) -> subprocess.Popen:
    """main.py --predict on an empty file and the pictures eight times, in a job of its own (as a
    terminal starts it), once the workers are at work: the empty file's error line was read."""
    empty = next(path for path in pictures if path.name == "empty.png")
    paths = [empty] + pictures * 8  # its error line comes first; the others take a while
    process = subprocess.Popen(
        [sys.executable, str(MAIN), "--predict", *map(str, paths), "--checkpoint-dir", str(tmp_path / "ck")],
        cwd=ROOT, env=SCRIPT_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    first = process.stderr.readline()
    assert first.startswith("error: ") and "empty.png is empty" in first
    return process


def _assert_the_job_ends(process: subprocess.Popen, after: str) -> None:
    """No process of main.py's job is left within 30 s (the workers end with the file they are on)."""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        raise AssertionError(f"worker processes still running after {after}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left, so that the suite goes on


def test_ctrl_c_while_worker_processes_prepare_files_stops_them_all_without_a_traceback(many_pictures, tmp_path):
    """The terminal sends Ctrl-C to every process of the job: the workers ignore it (each would print
    a traceback), main.py says it was interrupted once, and none of them is left running."""
    process = _started_on_many(many_pictures, tmp_path)
    os.killpg(process.pid, signal.SIGINT)  # as the terminal does: to the whole job
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stdout + stderr and stdout == ""
    assert [line for line in stderr.splitlines() if "interrupted" in line] == [
        "error: interrupted (Ctrl-C); the saved models, if any, are untouched"
    ], stderr
    _assert_the_job_ends(process, "Ctrl-C")
    assert not (tmp_path / "ck").exists()


def test_a_worker_process_killed_half_way_leaves_the_rest_to_this_one(many_pictures, tmp_path, capsys):
    """A worker killed (by the out-of-memory killer, say) broke the pool: the rest of the files are
    prepared in this process, with the same answers, and a note says so."""
    paths = many_pictures
    expected = prediction.prepare_files(paths, False, [None] * len(paths), workers=1)
    capsys.readouterr()
    killed = []

    def kill_a_worker():
        while not multiprocessing.active_children():
            time.sleep(0.05)
        time.sleep(1.0)  # started, and busy
        worker = multiprocessing.active_children()[0]
        os.kill(worker.pid, signal.SIGKILL)
        killed.append(worker.pid)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    got = prediction.prepare_files(paths, False, [None] * len(paths), workers=2)
    killer.join()
    out = capsys.readouterr().out
    assert killed and "Note: a worker process ended abruptly; the other " in out
    assert [path for path, _, _ in got] == [path for path, _, _ in expected]
    for (_, a, _), (_, b, _) in zip(expected, got, strict=True):
        assert np.array_equal(a.images, b.images) and a.notes == b.notes


def test_worker_processes_end_when_main_py_is_killed_outright(many_pictures, tmp_path):
    """`kill -9` of main.py left its workers waiting for work for ever (~100 MB each)."""
    process = _started_on_many(many_pictures, tmp_path)
    process.kill()
    process.communicate(timeout=30)
    _assert_the_job_ends(process, "main.py was killed")


def test_as_published_files_are_read_by_the_articles_recipe(tmp_path, capsys):
    """--as-published feeds the article's raw inverted pixels and needs 28×28, one file or many."""
    from PIL import Image

    Image.new("L", (100, 100), 255).save(tmp_path / "big.png")
    digit = Path(main.__file__).parent / "test_img.png"
    for count in (1, prediction.PARALLEL_FROM + 1):
        kept = prediction.prepare_files([tmp_path / "big.png"] + [digit] * count, True, [None] * (count + 1), workers=2)
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "big.png is 100×100; the article's recipe (--as-published)" in err
        assert len(kept) == count and all(item.images.max() > 1 for _, item, _ in kept)  # raw 0-255, as in the article
        assert np.array_equal(kept[0][1].images[0], 255 - np.asarray(Image.open(digit).convert("L"), np.float32))
