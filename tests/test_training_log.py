"""training_log.py: the TensorBoard events main.py writes open in the tensorboard installed by
requirements.txt, and --plot draws the printed points."""

import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from helpers import MAIN, run_script


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


def test_plot_has_the_printed_points(tmp_path):
    from tutorial_kit.training_log import plot_history

    path = plot_history([(0, 2.3, 0.1), (100, 0.9, 0.7), (200, 0.5, 0.85)], tmp_path / "curves.png")
    with Image.open(path) as im:
        assert im.size[0] > 300 and im.size[1] > 200
