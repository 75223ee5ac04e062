"""Draw a digit in the browser and watch main.py's network read it as you draw.

A small web server on this machine (loopback only unless --host says otherwise) serves one page,
draw.html, and answers each drawing, sent as a PNG, with the digit, its ten probabilities and the
28×28 the network saw. The drawing is prepared by the same function as `main.py --predict`.

    python draw.py                  # the saved model in checkpoints/ (trained first if there is none)
    python draw.py --as-published   # the article's linear network, fed the same prepared input
    python draw.py --port 0         # any free port: the printed address says which
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

import main
from tutorial_kit import checkpoints, cli, draw_server, files, prediction

DEFAULT_PORT = 8000


class Model:
    """main.py's network with its saved weights (trained first, with the article's parameters, when
    there are none), loaded once; one prediction at a time."""

    def __init__(self, as_published: bool = False, checkpoint_dir: Path = files.CHECKPOINTS, must_exist: bool = False):
        self.model = main.load_or_train(as_published, checkpoint_dir, checkpoint_dir_given=must_exist)
        self.saved, self.trained_now = self.model.saved, self.model.trained_now
        self.lock = threading.Lock()
        self.probabilities(np.zeros((28, 28), np.float32))  # the first run is the slow one
        self.sure = prediction.sureness(self)  # how sure it must be to read an odd hand

    def describe(self) -> str:
        return self.saved.description()

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Ten probabilities for one 28×28, or a row of them for each of several, in one run of the network."""
        with self.lock:
            p = self.model.probabilities(images)
        return p[0] if np.ndim(images) == 2 else p

    def close(self):
        with self.lock:  # never under a running prediction
            self.model.close()


def parse_args(argv=None):
    p = cli.ArgumentParser(description=" ".join(__doc__.strip().split("\n\n")[0].split()))
    p.add_argument(
        "--port", type=draw_server.port_number, default=DEFAULT_PORT, help="port to serve on (%(default)s; 0: any free)"
    )
    p.add_argument(
        "--host",
        type=draw_server.host_name,
        default="127.0.0.1",
        help="address to serve on (%(default)s: this machine only; 0.0.0.0 lets other machines in)",
    )
    p.add_argument(
        "--checkpoint-dir",
        type=checkpoints.folder_flag,
        default=files.CHECKPOINTS,
        help="saved models (the repository's checkpoints/), or one saved model folder",
    )
    p.add_argument(
        "--as-published", action="store_true", help="the article's linear network, fed the same prepared input"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    return p.parse_args(argv)


def serve(argv=None):
    args = parse_args(argv)
    server = draw_server.bind(args.host, args.port)  # a taken port is said before the model loads
    try:
        model = Model(args.as_published, args.checkpoint_dir, "--checkpoint-dir" in args.given)
        try:
            if not model.trained_now:
                prediction.say_model(model.saved)  # the line main.py --predict prints
            draw_server.serve(server, model, browser=not args.no_browser)
        finally:
            model.close()  # a session's threads (a model trained now) end before the interpreter does
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    cli.run(serve, interrupted=checkpoints.interrupted_note)
