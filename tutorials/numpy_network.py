"""A fully connected network from scratch in NumPy — the CNN primer's back-propagation chapter.

    python tutorials/numpy_network.py                  # gradient checks, the object model, MNIST
    python tutorials/numpy_network.py --part gradcheck # just the gradient checks
    python tutorials/numpy_network.py --part mnist --batch-size 32   # mini-batches, much faster
    python tutorials/numpy_network.py --dry-run        # every part on a handful: a quick check

Two networks, both sigmoid units trained by per-sample SGD on E = ½ Σ (t - y)²:
(a) the object model: a `Node` per unit, a `ConstNode` for the bias, `Layer`, `Connection`,
    `Connections`, `Network` — readable, and far too slow for MNIST by design, so it is shown on the
    small 8-3-8 identity problem;
(b) the vectorised model: `FullConnectedLayer` + `Network`, trained on MNIST 784-300-10 with
    targets 0.9/0.1, evaluated on the test set every 10 epochs, stopping when the error rate rises
    (and after the last epoch, so that a run shorter than --eval-every still reports an accuracy).
As in the text, a "gradient" here is the update direction -dE/dw. The text's gradient check calls
get_gradient(sample_feature, sample_label) with the arguments swapped; here it is called right.
No TensorFlow is imported.

--dry-run runs every part on a handful: the 8-3-8 demo for 200 epochs, MNIST for 2 epochs on 200
images (it writes nothing).
"""

import argparse
import time
from functools import reduce

import numpy as np

from tutorial_kit import cli, input_data
from tutorial_kit.errors import UsageError

# --- Parameters (the text's values) -------------------------------------------------------------
learning_rate = 0.3
hidden_size = 300
eval_every = 10  # epochs between evaluations on the test set
max_epochs = 100  # a safety net the text does not have: it stops only when the error rises
epsilon = 1e-4  # for the numerical gradients
object_epochs = 2000  # the 8-3-8 demo of the object model
DRY_RUN = {"object_epochs": 200, "limit": 200, "max_epochs": 2}  # --dry-run: the same code on a handful


def sigmoid(x):
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x < -88 (float32): 1 / inf is the right 0
        return 1.0 / (1.0 + np.exp(-x))


def network_error(vec1, vec2):
    """E = ½ Σ (t - y)²"""
    return 0.5 * float(np.sum((np.asarray(vec1, dtype=float) - np.asarray(vec2, dtype=float)) ** 2))


# --- (a) the object model: one object per node and per connection --------------------------------


class Node:
    def __init__(self, layer_index, node_index):
        self.layer_index = layer_index
        self.node_index = node_index
        self.downstream = []
        self.upstream = []
        self.output = 0.0
        self.delta = 0.0

    def set_output(self, output):
        self.output = output

    def append_downstream_connection(self, conn):
        self.downstream.append(conn)

    def append_upstream_connection(self, conn):
        self.upstream.append(conn)

    def calc_output(self):
        output = reduce(lambda ret, conn: ret + conn.upstream_node.output * conn.weight, self.upstream, 0.0)
        self.output = sigmoid(output)

    def calc_hidden_layer_delta(self):
        downstream_delta = reduce(
            lambda ret, conn: ret + conn.downstream_node.delta * conn.weight, self.downstream, 0.0
        )
        self.delta = self.output * (1 - self.output) * downstream_delta

    def calc_output_layer_delta(self, label):
        self.delta = self.output * (1 - self.output) * (label - self.output)


class ConstNode:
    """The bias: a node whose output is always 1."""

    def __init__(self, layer_index, node_index):
        self.layer_index = layer_index
        self.node_index = node_index
        self.downstream = []
        self.output = 1.0

    def append_downstream_connection(self, conn):
        self.downstream.append(conn)

    def calc_hidden_layer_delta(self):
        downstream_delta = reduce(
            lambda ret, conn: ret + conn.downstream_node.delta * conn.weight, self.downstream, 0.0
        )
        self.delta = self.output * (1 - self.output) * downstream_delta


class Layer:
    def __init__(self, layer_index, node_count):
        self.layer_index = layer_index
        self.nodes = [Node(layer_index, i) for i in range(node_count)]
        self.nodes.append(ConstNode(layer_index, node_count))

    def set_output(self, data):
        for node, value in zip(self.nodes[:-1], data, strict=True):
            node.set_output(value)

    def calc_output(self):
        for node in self.nodes[:-1]:
            node.calc_output()


class Connection:
    def __init__(self, upstream_node, downstream_node, rng):
        self.upstream_node = upstream_node
        self.downstream_node = downstream_node
        self.weight = rng.uniform(-0.1, 0.1)
        self.gradient = 0.0

    def calc_gradient(self):
        self.gradient = self.downstream_node.delta * self.upstream_node.output

    def get_gradient(self):
        return self.gradient

    def update_weight(self, rate):
        self.calc_gradient()
        self.weight += rate * self.gradient


class Connections:
    def __init__(self):
        self.connections = []

    def add_connection(self, connection):
        self.connections.append(connection)


class Network:
    """The object model: `layers` is the node count of each layer, e.g. [8, 3, 8]."""

    def __init__(self, layers, seed=None):
        rng = np.random.default_rng(seed)
        self.connections = Connections()
        self.layers = [Layer(i, count) for i, count in enumerate(layers)]
        for upper, lower in zip(self.layers[:-1], self.layers[1:], strict=True):
            for upstream_node in upper.nodes:  # including the bias node
                for downstream_node in lower.nodes[:-1]:  # a bias node has no inputs
                    conn = Connection(upstream_node, downstream_node, rng)
                    self.connections.add_connection(conn)
                    downstream_node.append_upstream_connection(conn)
                    upstream_node.append_downstream_connection(conn)

    def train(self, labels, data_set, rate, epoch):
        for _ in range(epoch):
            for label, sample in zip(labels, data_set, strict=True):
                self.train_one_sample(label, sample, rate)

    def train_one_sample(self, label, sample, rate):
        self.predict(sample)
        self.calc_delta(label)
        self.update_weight(rate)

    def calc_delta(self, label):
        for node, value in zip(self.layers[-1].nodes[:-1], label, strict=True):
            node.calc_output_layer_delta(value)
        for layer in self.layers[-2::-1]:
            for node in layer.nodes:
                node.calc_hidden_layer_delta()

    def update_weight(self, rate):
        for layer in self.layers[:-1]:
            for node in layer.nodes:
                for conn in node.downstream:
                    conn.update_weight(rate)

    def calc_gradient(self):
        for layer in self.layers[:-1]:
            for node in layer.nodes:
                for conn in node.downstream:
                    conn.calc_gradient()

    def get_gradient(self, label, sample):
        self.predict(sample)
        self.calc_delta(label)
        self.calc_gradient()

    def predict(self, sample):
        self.layers[0].set_output(sample)
        for layer in self.layers[1:]:
            layer.calc_output()
        return [node.output for node in self.layers[-1].nodes[:-1]]

    def get_weights(self):
        """The weights as the vectorised model holds them: [(W, b)], W[downstream, upstream]."""
        return self._as_matrices("weight")

    def get_gradients(self):
        """The gradients of the last get_gradient(), laid out like get_weights()."""
        return self._as_matrices("gradient")

    def _as_matrices(self, attribute):
        weights = []
        for upper, lower in zip(self.layers[:-1], self.layers[1:], strict=True):
            W = np.zeros((len(lower.nodes) - 1, len(upper.nodes) - 1))
            b = np.zeros((len(lower.nodes) - 1, 1))
            for node in upper.nodes:
                for conn in node.downstream:
                    if isinstance(node, ConstNode):
                        b[conn.downstream_node.node_index, 0] = getattr(conn, attribute)
                    else:
                        W[conn.downstream_node.node_index, node.node_index] = getattr(conn, attribute)
            weights.append((W, b))
        return weights


def gradient_check(network, sample_feature, sample_label, show=print):
    """Compare back-propagation's gradient of every weight with a centred difference.
    Returns the largest relative error."""
    network.get_gradient(sample_label, sample_feature)  # the text swaps these two arguments
    worst = 0.0
    show("  expected gradient   actual gradient")
    for conn in network.connections.connections:
        actual_gradient = conn.get_gradient()
        conn.weight += epsilon
        error1 = network_error(network.predict(sample_feature), sample_label)
        conn.weight -= 2 * epsilon
        error2 = network_error(network.predict(sample_feature), sample_label)
        conn.weight += epsilon
        expected_gradient = (error2 - error1) / (2 * epsilon)
        show(f"  {expected_gradient: .10f}      {actual_gradient: .10f}")
        worst = max(worst, relative_error(expected_gradient, actual_gradient))
    return worst


def relative_error(expected, actual):
    scale = max(abs(expected), abs(actual))
    return abs(expected - actual) / scale if scale > 1e-12 else 0.0


# --- (b) the vectorised model ---------------------------------------------------------------------


class SigmoidActivator:
    def forward(self, weighted_input):
        return sigmoid(weighted_input)

    def backward(self, output):
        return output * (1 - output)


class FullConnectedLayer:
    """One layer: output = sigmoid(W · input + b); inputs are column vectors (or a matrix of them)."""

    def __init__(self, input_size, output_size, activator, rng, dtype=np.float64):
        self.input_size = input_size
        self.output_size = output_size
        self.activator = activator
        self.W = rng.uniform(-0.1, 0.1, (output_size, input_size)).astype(dtype)
        self.b = np.zeros((output_size, 1), dtype=dtype)

    def forward(self, input_array):
        self.input = input_array
        self.output = self.activator.forward(self.W @ input_array + self.b)

    def backward(self, delta_array, input_delta=True):
        """Gradients from this layer's delta; the delta of the layer below only when it is needed
        (the input layer's is not: skipping it saves a third of the work on MNIST)."""
        if input_delta:
            self.delta = self.activator.backward(self.input) * (self.W.T @ delta_array)
        if delta_array.shape[1] == 1:  # one sample: an outer product, 4× faster broadcast than as a matmul
            self.W_grad = delta_array * self.input.T
        else:  # a mini-batch: the gradients of its samples, summed
            self.W_grad = delta_array @ self.input.T
        self.b_grad = delta_array.sum(axis=1, keepdims=True)

    def update(self, learning_rate):
        self.W += learning_rate * self.W_grad
        self.b += learning_rate * self.b_grad


class VectorNetwork:
    """The vectorised model (the text's second `Network`)."""

    def __init__(self, layers, seed=None, dtype=np.float64):
        rng = np.random.default_rng(seed)
        self.layers = [
            FullConnectedLayer(n_in, n_out, SigmoidActivator(), rng, dtype)
            for n_in, n_out in zip(layers[:-1], layers[1:], strict=True)
        ]

    def set_weights(self, weights):
        for layer, (W, b) in zip(self.layers, weights, strict=True):
            layer.W = np.array(W, dtype=layer.W.dtype)
            layer.b = np.array(b, dtype=layer.b.dtype).reshape(-1, 1)

    def predict(self, sample):
        output = sample
        for layer in self.layers:
            layer.forward(output)
            output = layer.output
        return output

    def train(self, labels, data_set, rate, epoch, batch_size=1):
        """Per-sample SGD as in the text (batch_size=1); columns of `data_set` are samples."""
        n = data_set.shape[1]
        for _ in range(epoch):
            for start in range(0, n, batch_size):
                self.train_one_sample(
                    labels[:, start : start + batch_size], data_set[:, start : start + batch_size], rate
                )

    def train_one_sample(self, label, sample, rate):
        self.predict(sample)
        self.calc_gradient(label)
        self.update_weight(rate / label.shape[1])  # a mini-batch takes the mean of its samples' gradients

    def calc_gradient(self, label):
        last = self.layers[-1]
        delta = last.activator.backward(last.output) * (label - last.output)
        for layer in self.layers[:0:-1]:  # from the output down, each layer hands its delta to the one below
            layer.backward(delta)
            delta = layer.delta
        self.layers[0].backward(delta, input_delta=False)  # nothing below the first layer needs a delta

    def update_weight(self, rate):
        for layer in self.layers:
            layer.update(rate)

    def is_finite(self):
        """False once a step too large has overflowed a weight (training has diverged)."""
        return all(np.isfinite(layer.W).all() and np.isfinite(layer.b).all() for layer in self.layers)

    def gradient_check(self, sample_feature, sample_label, show=print):
        """Back-propagation against centred differences for every weight and bias; the largest
        relative error."""
        self.predict(sample_feature)
        self.calc_gradient(sample_label)
        worst = 0.0
        show("  expected gradient   actual gradient")
        for layer in self.layers:
            for param, grad in ((layer.W, layer.W_grad), (layer.b, layer.b_grad)):
                for index in np.ndindex(param.shape):
                    param[index] += epsilon
                    error1 = network_error(self.predict(sample_feature), sample_label)
                    param[index] -= 2 * epsilon
                    error2 = network_error(self.predict(sample_feature), sample_label)
                    param[index] += epsilon
                    expected_gradient = (error2 - error1) / (2 * epsilon)
                    show(f"  {expected_gradient: .10f}      {grad[index]: .10f}")
                    worst = max(worst, relative_error(expected_gradient, grad[index]))
        return worst


# --- MNIST ----------------------------------------------------------------------------------------


def targets(labels, n=10):
    """One-hot targets of 0.9 / 0.1 (a sigmoid never reaches 1 or 0), one column per sample."""
    out = np.full((n, len(labels)), 0.1)
    out[labels, np.arange(len(labels))] = 0.9
    return out


def evaluate(network, test_data_set, test_labels):
    """The error rate: the fraction of test images whose largest output is not the right digit."""
    predicted = network.predict(test_data_set).argmax(axis=0)
    return float(np.mean(predicted != test_labels))


def train_and_evaluate(
    mnist, rate=learning_rate, batch_size=1, every=eval_every, epochs_cap=max_epochs, limit=None, seed=0, show=print
):
    """The text's loop: train an epoch at a time, evaluate every `every` epochs, stop as soon as
    the error rate rises (or at `epochs_cap`, evaluating that last epoch too if it falls between
    two evaluations). Returns the list of (epoch, error rate)."""
    train_data_set = mnist.train.images[:limit].T.astype(np.float32)
    train_labels = targets(mnist.train.labels[:limit]).astype(np.float32)
    test_data_set = mnist.test.images.T.astype(np.float32)
    network = VectorNetwork([784, hidden_size, 10], seed=seed, dtype=np.float32)
    history, last_error_ratio, stopped = [], 1.0, False
    for epoch in range(1, epochs_cap + 1):
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow ends in the weights, checked next
            network.train(train_labels, train_data_set, rate, 1, batch_size)
        if not network.is_finite():
            raise UsageError(
                f"training diverged (the weights overflowed to infinity or NaN in epoch {epoch} at learning "
                f"rate {rate:g}); use a smaller --learning-rate"
            )
        show(f"epoch {epoch} finished in {time.perf_counter() - start:.1f} s")
        if epoch % every == 0:
            error_ratio = evaluate(network, test_data_set, mnist.test.labels)
            history.append((epoch, error_ratio))
            show(f"after epoch {epoch}, error ratio is {error_ratio:.4f}")
            if error_ratio > last_error_ratio:
                show("the error rate rose: stopping (the text's rule)")
                stopped = True
                break
            last_error_ratio = error_ratio
    if not stopped and epochs_cap % every != 0:
        error_ratio = evaluate(network, test_data_set, mnist.test.labels)  # the last epoch, not yet evaluated
        history.append((epochs_cap, error_ratio))
        show(f"after epoch {epochs_cap} (the last), error ratio is {error_ratio:.4f}")
    return history


# --- the chapter ----------------------------------------------------------------------------------


def run_gradient_checks(seed):
    sample_feature, sample_label = [0.9, 0.1], [0.9, 0.1]  # the text's example
    print("Gradient check, object model [2, 2, 2] (12 weights, biases included):")
    worst = gradient_check(Network([2, 2, 2], seed=seed), sample_feature, sample_label)
    print(f"  max relative error: {worst:.2e}")
    print("Gradient check, vectorised model [2, 2, 2]:")
    net = VectorNetwork([2, 2, 2], seed=seed)
    worst = net.gradient_check(np.array([sample_feature]).T, np.array([sample_label]).T)
    print(f"  max relative error: {worst:.2e}")


def run_object_demo(seed, epochs=object_epochs):
    """The 8-3-8 identity problem: eight one-hot patterns squeezed through three hidden units."""
    data_set = [[0.9 if i == j else 0.1 for i in range(8)] for j in range(8)]
    network = Network([8, 3, 8], seed=seed)
    start = time.perf_counter()
    network.train(data_set, data_set, learning_rate, epochs)
    correct = sum(int(np.argmax(network.predict(x)) == i) for i, x in enumerate(data_set))
    print(
        f"\nObject model on the 8-3-8 identity problem ({epochs} epochs, {time.perf_counter() - start:.1f} s): "
        f"{correct}/8 patterns reproduced"
    )
    print("  (one Python object per node and per weight: about a million times too slow for MNIST's")
    print("  784-300-10 network, which is why MNIST uses the vectorised model)")


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--part",
        choices=["all", "gradcheck", "object", "mnist"],
        default="all",
        help="gradient checks, the object model's 8-3-8 demo, the vectorised model on MNIST, or all (%(default)s)",
    )
    parser.add_argument(
        "--learning-rate", type=cli.positive_float, default=learning_rate, help="SGD step size (%(default)s)"
    )
    parser.add_argument(
        "--batch-size",
        type=cli.positive_int,
        default=1,
        help="1 = per-sample SGD, as the text; a mini-batch averages its gradients (try 32 with --learning-rate 1)",
    )
    parser.add_argument(
        "--eval-every", type=cli.positive_int, default=eval_every, help="epochs between evaluations (%(default)s)"
    )
    parser.add_argument(
        "--max-epochs", type=cli.positive_int, default=max_epochs, help="stop here at the latest (%(default)s)"
    )
    # --limit, --seed (the initial weights; 0 unless given), --data-dir, --dry-run
    cli.add_common_flags(parser, limit=True, data_dir=input_data.MNIST_DIR, seed_default=0)
    args = parser.parse_args(argv)
    args.object_epochs = object_epochs
    if args.dry_run:
        args.object_epochs = DRY_RUN["object_epochs"]
        args.limit = min(args.limit or DRY_RUN["limit"], DRY_RUN["limit"])
        args.max_epochs = min(args.max_epochs, DRY_RUN["max_epochs"])
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.part in ("all", "gradcheck"):
        run_gradient_checks(args.seed)
    if args.part in ("all", "object"):
        run_object_demo(args.seed, args.object_epochs)
    if args.part in ("all", "mnist"):
        mnist = input_data.read_data_sets(args.data_dir)
        n = min(args.limit or mnist.train.num_examples, mnist.train.num_examples)
        print(
            f"\nMNIST, vectorised 784-{hidden_size}-10, {n} training images, "
            f"{'per-sample SGD' if args.batch_size == 1 else f'mini-batches of {args.batch_size}'}, "
            f"rate {args.learning_rate}"
        )
        history = train_and_evaluate(
            mnist, args.learning_rate, args.batch_size, args.eval_every, args.max_epochs, args.limit, args.seed
        )
        (last_epoch, last), (best_epoch, best) = history[-1], min(history, key=lambda h: h[1])
        print(f"Final error rate {last:.4f} (accuracy {1 - last:.4f}) after epoch {last_epoch}")
        print(f"Lowest error rate {best:.4f} (accuracy {1 - best:.4f}) after epoch {best_epoch}")
    return 0


if __name__ == "__main__":
    cli.run(main)
