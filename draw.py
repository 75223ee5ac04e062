"""Draw a digit in the browser and watch main.py's network read it as you draw.

A small web server on this machine (loopback only unless --host says otherwise) serves one page,
draw.html, and answers each drawing, sent as a PNG, with the digit, its ten probabilities and the
28×28 the network saw. The drawing is prepared by the same function as `main.py --predict`.

    python draw.py                  # the saved model in checkpoints/ (trained first if there is none)
    python draw.py --as-published   # the article's linear network, fed the same prepared input
    python draw.py --port 0         # any free port: the printed address says which
"""

from __future__ import annotations

import sys
import threading

import numpy as np

import main
from tutorial_kit import checkpoints, cli, input_data, prediction
from tutorial_kit.draw_server import bind, has_a_browser, host_name, open_browser, port_number, render_page

DEFAULT_PORT = 8000


class Model:
    """main.py's network with its saved weights (trained first when there are none), loaded once;
    one `sess.run` at a time."""

    def __init__(self, args):
        from tutorial_kit.quiet_tf import tf

        self.net = main.build_graph(args.as_published)
        self.sess = tf.compat.v1.Session(graph=self.net.graph)
        with self.sess.as_default(), self.net.graph.as_default():  # as `with Session(...)` in main.py
            self.saved, self.trained_now = main.load_or_train(args, self.net, self.sess, use_saved=True)
        self.lock = threading.Lock()
        self.probabilities(np.zeros((28, 28), np.float32))  # the first run is the slow one

    def describe(self) -> str:
        return self.saved.description()

    def probabilities(self, image28: np.ndarray) -> np.ndarray:
        with self.lock:
            return main.predict(self.net, self.sess, image28)[0]

    def close(self):
        with self.lock:  # never under a running prediction
            self.sess.close()


def parse_args(argv=None):
    p = cli.ArgumentParser(description=" ".join(__doc__.strip().split("\n\n")[0].split()))
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT, help="port to serve on (%(default)s; 0: any free)")
    p.add_argument(
        "--host",
        type=host_name,
        default="127.0.0.1",
        help="address to serve on (%(default)s: this machine only; 0.0.0.0 lets other machines in)",
    )
    p.add_argument(
        "--checkpoint-dir",
        type=checkpoints.folder_flag,
        help="saved models (the repository's checkpoints/), or one saved model folder",
    )
    p.add_argument(
        "--as-published", action="store_true", help="the article's linear network, fed the same prepared input"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    args = p.parse_args(argv)
    args.checkpoint_dir_given = args.checkpoint_dir is not None  # then it must exist
    args.checkpoint_dir = args.checkpoint_dir or checkpoints.DEFAULT_DIR
    # what main.load_or_train needs to train one first: the article's parameters
    args.retrain, args.data_dir, args.seed, args.log_dir, args.plot = False, input_data.MNIST_DIR, None, None, None
    args.iterations, args.batch_size, args.dropout = main.n_iterations, main.batch_size, main.dropout
    return args


def serve(argv=None):
    args = parse_args(argv)
    server = bind(args.host, args.port)
    try:
        model = Model(args)
        if not model.trained_now:
            prediction.say_model(model.saved, [])  # the line main.py --predict prints
        server.model = model
        server.page = render_page(model.describe())
        url = server.addresses.url()
        if server.addresses.wildcard:
            print(f"Note: --host {args.host} serves every network interface: other machines may reach this page.")
        print(f"Draw a digit at {url} (Ctrl-C to stop)", flush=True)
        if not args.no_browser and has_a_browser():
            open_browser(url)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            if sys.stdout.isatty():
                print()  # after the terminal's ^C
            print("Stopped.", flush=True)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    cli.run(serve, interrupted=checkpoints.interrupted_note)
