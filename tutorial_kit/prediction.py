"""Your own digits: main.py --predict FILE... and --show-input, around the article's last step.

Each file is prepared by digit_image (the same function draw.py's server calls), bad files are
reported one line each while the others go on, and every answer says how sure it is.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from tutorial_kit import digit_image, digit_shapes, input_data
from tutorial_kit.cli import error
from tutorial_kit.errors import ImageError, NoDigitError, UsageError
from tutorial_kit.files import display_path

UNSURE = 0.6  # below this top probability, the runner-up is shown too
JUDGE_ACCURACY = 0.97  # a network this accurate on MNIST's test digits also judges where touching digits are cut
PARALLEL_FROM = 32  # this many files or more are prepared on every core (a worker process starts in ~1 s)
SURE_SHARE, CERTAIN_SHARE = 0.025, 0.11  # of MNIST's test digits, 10,000 iterations are less sure than SURE, CERTAIN


def output_paths(show_input: Path | None, count: int) -> list[Path | None]:
    """--show-input PATH.png for one file; PATH-1.png, PATH-2.png, ... for several."""
    if show_input is None:
        return [None] * count
    if count == 1:
        return [show_input]
    return [show_input.with_name(f"{show_input.stem}-{i}{show_input.suffix}") for i in range(1, count + 1)]


def sheet_path(path: Path) -> Path:
    """Where the contact sheet goes beside the 28×28: seen.png -> seen-sheet.png."""
    return path.with_name(f"{path.stem}-sheet{path.suffix}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_outputs(inputs: list[Path], outputs: list[Path | None]) -> None:
    """Refuse, before any work, an output file that is one of the inputs (also through links)."""
    for output in outputs:
        if output is None:
            continue
        for written in (output, sheet_path(output)):
            for source in inputs:
                if _same_file(written, source):
                    raise UsageError(
                        f"{display_path(written)} is one of the images to predict and would be overwritten; "
                        "give --show-input another file name"
                    )


def check_not_theirs(show_paths: list[Path | None]) -> None:
    """Refuse, before any work, a --show-input file (or the contact sheet beside it) that is there
    already and was not saved by --show-input: a learner's own seen.png, or a seen-sheet.png they
    never named, was overwritten. Its own earlier pictures are replaced."""
    for output in show_paths:
        for written in (output, sheet_path(output)) if output is not None else ():
            if os.path.lexists(written) and not digit_image.made_here(written):
                raise UsageError(
                    f"{display_path(written)} is there already and was not saved by --show-input; "
                    "give --show-input another file name (only its own earlier pictures are replaced)"
                )


def prepare_files(
    paths: list[Path], as_published: bool, show_paths: list[Path | None], workers: int | None = None
) -> list[tuple]:
    """(path, prepared image, --show-input path) for each file; a bad one prints its error line and
    is skipped. Many files are prepared by `workers` processes (default: one per core)."""
    prepared = []
    items = _each_prepared(paths, as_published, show_paths, cores() if workers is None else workers)
    for path, show_path, item in zip(paths, show_paths, items, strict=True):
        if not isinstance(item, ImageError):
            prepared.append((path, item, show_path))
            continue
        error(str(item))
        if show_path is not None and isinstance(item, NoDigitError) and item.picture is not None:  # to see why
            sheet = digit_image.save_contact_sheet(digit_image.Prepared.nothing(item.picture), sheet_path(show_path))
            print(f"  no 28×28 was made; the picture as looked at is saved in {display_path(sheet)}")
    return prepared


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _prepared_or_error(path: Path, show_path: Path | None, as_published: bool = False):
    """One file prepared, or the ImageError it raised (returned, so a worker process hands it back)."""
    try:
        return digit_image.as_published(path) if as_published else _prepare(path, show_path)
    except ImageError as exc:
        return exc


def _each_prepared(paths: list[Path], as_published: bool, show_paths: list[Path | None], workers: int):
    """_prepared_or_error of each file, in order, as each is ready: for PARALLEL_FROM files or more,
    by `workers` processes (on 2 cores, 1,000 photos took twice as long in one). They start as fresh
    interpreters (no TensorFlow state copied) with Ctrl-C ignored: the terminal sends it to them too
    and they would each print a traceback; this process stops them."""
    if (
        as_published
        or workers < 2
        or len(paths) < PARALLEL_FROM
        or threading.current_thread() != threading.main_thread()
    ):
        yield from map(functools.partial(_prepared_or_error, as_published=as_published), paths, show_paths)
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the workers started now
    pool = results = None
    try:
        pool = ProcessPoolExecutor(
            min(workers, len(paths)), mp_context=multiprocessing.get_context("spawn"), initializer=_end_with_parent
        )
        results = pool.map(_prepared_or_error, paths, show_paths)
    except (OSError, ImportError, NotImplementedError):  # no processes here (no /dev/shm for their locks)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    if results is None:
        yield from map(_prepared_or_error, paths, show_paths)
        return
    done = 0
    try:
        for item in results:
            yield item
            done += 1
    except BrokenProcessPool:  # a worker was killed (out of memory?): the rest are prepared here
        print(f"Note: a worker process ended abruptly; the other {len(paths) - done} pictures are prepared here.")
        yield from map(_prepared_or_error, paths[done:], show_paths[done:])
    finally:  # Ctrl-C: the files not started are dropped, the workers end with the one they are on
        pool.shutdown(wait=done == len(paths), cancel_futures=True)


def _end_with_parent() -> None:
    """A worker's start: it ends when main.py does, however main.py ends (killed with `kill -9`, its
    workers waited for work for ever)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()


def _prepare(path: Path, show_path: Path | None, judge=None) -> digit_image.Prepared:
    """digit_image.prepare on a file; the picture is only kept for a contact sheet (--show-input)."""
    item = digit_image.prepare(path, judge=judge)
    return item if show_path is not None else dataclasses.replace(item, picture=None, kept=None)


def judge(model):
    """The network, to judge where touching digits are cut (digit_image.prepare's judge), when it
    reads MNIST well enough; None for a weaker one: unsure of every part, it would cut too little
    (measured on 60 touching numbers drawn: 300 iterations 22 read right -> 14; 10,000 iterations
    30 -> 36)."""
    return model.probabilities if model.saved.test_accuracy >= JUDGE_ACCURACY else None


def sureness(model, data_dir: Path = input_data.MNIST_DIR) -> dict:
    """digit_image.refusal's `sure` and `certain` for this network: as sure as it is of all but its
    least sure 2.5 % and 11 % of MNIST's test digits (every fourth) — for a network trained 10,000
    iterations, refusal's SURE and CERTAIN, 0.80 and 0.995. One trained 1,000 iterations is less
    sure of every digit (0.49 and 0.76): held to 0.80 and 0.995 it refused 9 % of MNIST's test
    digits, 4.5 % so (measured). Refusal's own values for the article's network (raw pixels) or
    when the test digits are not on disk."""
    images = None if model.saved.arch["as_published"] else input_data.mnist_test_images(data_dir)
    if images is None:
        return {}
    top = model.probabilities(images[::4].astype(np.float32) / 255.0).max(axis=1)
    return {"sure": float(np.quantile(top, SURE_SHARE)), "certain": float(np.quantile(top, CERTAIN_SHARE))}


def judged(prepared: list[tuple], network) -> list[tuple]:
    """The pictures where cuts between touching digits were searched for, prepared again with the
    network judging the cuts (segmentation by recognition: digit_image.prepare's judge); the others
    as they are."""
    out = []
    for path, item, show_path in prepared:
        if network is not None and item.searched:
            try:
                item = _prepare(path, show_path, network)
            except ImageError:  # the file changed since: its first reading stands
                pass
        out.append((path, item, show_path))
    return out


def prepare_inputs(paths: list[Path], as_published: bool, show_input: Path | None, plot: Path | None) -> list[tuple]:
    """main.py's images, prepared before any training: outputs (--show-input, --plot) checked, one
    error line per bad file."""
    show_paths = output_paths(show_input, len(paths))
    check_outputs(paths, show_paths + [plot])
    check_not_theirs(show_paths)
    return prepare_files(paths, as_published, show_paths)


def stack(prepared: list[tuple]) -> np.ndarray:
    """Every digit of every picture, one row of 784 each, for one run of the network."""
    return np.concatenate([np.reshape(item.images, (-1, 784)) for _, item, _ in prepared])


def say_model(model, training_flags: list[str] = ()) -> None:
    """Which saved model answers, once; and a note for the training flags given, which do not apply to it."""
    print(f"Using {model.description()} ({display_path(model.folder)})")
    note = unused_flags_note(training_flags)
    if note:
        print(note)


def report_all(
    prepared: list[tuple], probabilities: np.ndarray, test_image: bool, asked: int, sure: dict, weigh: bool = True
) -> int:
    """A line per image (the article's `Prediction for test image:` by default); exit status 2 if a
    file could not be used or held no digit. `sure`: the network's sureness; `weigh`: read with the
    digits' shapes too (reading)."""
    read = 0
    for path, item, show_path in prepared:
        count = len(item.images)
        read += report("test image" if test_image else path, item, probabilities[:count], show_path, sure, weigh)
        probabilities = probabilities[count:]
    return 2 if read < asked else 0


def reading(probabilities: np.ndarray, images: np.ndarray, weigh: bool = True) -> tuple[np.ndarray, list[str]]:
    """The probabilities an answer gives: the network's weighed with each digit's shape
    (digit_shapes.weighed; not for the article's network, `weigh` False), and a note when the
    network alone reads otherwise."""
    if not weigh:
        return probabilities, []
    weighed = digit_shapes.weighed(probabilities, images)
    if np.array_equal(weighed.argmax(axis=1), probabilities.argmax(axis=1)):
        return weighed, []
    alone = "".join(str(int(d)) for d in probabilities.argmax(axis=1))
    if len(probabilities) == 1:
        return weighed, [
            f"confidence with its shape weighed in; the network alone reads {alone} ({probabilities[0].max():.1%})"
        ]
    return weighed, [f"confidences with their shapes weighed in; the network alone reads {alone}"]


def answer(probabilities: np.ndarray) -> str:
    """'2 (confidence 98.9%)', or with the runner-up when unsure: '4 (confidence 48.0%; or 9, 31.0%)'."""
    first, second = np.argsort(probabilities)[::-1][:2]
    text = f"{first} (confidence {probabilities[first]:.1%}"
    if probabilities[first] < UNSURE:
        text += f"; or {second}, {probabilities[second]:.1%}"
    return text + ")"


def number(probabilities: np.ndarray) -> str:
    """'2026 (2: 99.1%, 0: 97.0%, 2: 88.4%, 6: 51.2% or 5, 40.3%)': the digits, then each one's confidence."""
    parts = []
    for p in probabilities:
        first, second = np.argsort(p)[::-1][:2]
        parts.append(f"{first}: {p[first]:.1%}" + (f" or {second}, {p[second]:.1%}" if p[first] < UNSURE else ""))
    return "".join(str(int(np.argmax(p))) for p in probabilities) + f" ({', '.join(parts)})"


def report(name: str, item, probabilities: np.ndarray, show_path: Path | None, sure: dict, weigh: bool = True) -> bool:
    """The prediction line for one image (or an error line when it holds no digit), and what
    --show-input saved; whether it was read. `probabilities`: the network's (refusal weighs them
    alone), read with the digits' shapes when `weigh` (reading)."""
    refused = digit_image.refusal(item, probabilities, **sure)
    if refused:
        error(f"{display_path(name) if isinstance(name, Path) else name}: {refused}")
    else:
        read, shape_notes = reading(probabilities, np.reshape(item.images, (-1, 784)), weigh)
        line = f"Prediction for {name}: {answer(read[0]) if len(read) == 1 else number(read)}"
        notes = list(item.notes) + shape_notes
        if notes:
            line += f" [{'; '.join(notes)}]"
        print(line)
    if show_path is not None:
        digit_image.save_input(item.images[0] if len(item.images) == 1 else item.images, show_path)
        saved = [display_path(show_path)]
        if item.picture is not None:
            digit_image.save_contact_sheet(item, sheet_path(show_path))
            saved.append(f"{display_path(sheet_path(show_path))} (what was found in the picture)")
        print(f"  the 28×28 input it saw is saved in {' and '.join(saved)}")
    return not refused


def unused_flags_note(given: list[str]) -> str | None:
    """A note for training flags given with --predict while a saved model is used (main_flags.TRAINING_FLAGS)."""
    if not given:
        return None
    verb = "applies" if len(given) == 1 else "apply"
    return f"Note: {', '.join(given)} only {verb} to training; this run uses the saved model (add --retrain to train)."
