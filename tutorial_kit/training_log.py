"""main.py's optional records of a training run: TensorBoard summaries (--log-dir) and the
loss/accuracy curves as a PNG (--plot)."""

from __future__ import annotations

from array import array

from tutorial_kit.errors import UsageError
from tutorial_kit.files import display_path, pyplot, save_figure


class TrainingLog:
    """Every iteration's minibatch loss and accuracy while training, the printed points, and the
    TensorBoard events if asked. `architecture`: main.architecture's, to name the network."""

    def __init__(self, log_dir=None, graph=None, architecture=None):
        self.training = (array("f"), array("f"))  # loss, accuracy of iteration 0, 1, ...: 8 bytes each
        self.history = []  # the printed (iteration, loss, accuracy) points
        self.architecture = architecture
        self.writer = None
        self.log_dir = log_dir
        if log_dir is not None:
            from tutorial_kit.quiet_tf import tf

            try:
                self.writer = tf.compat.v1.summary.FileWriter(str(log_dir), graph)
            except tf.errors.OpError as exc:
                raise UsageError(f"cannot write TensorBoard logs in {display_path(log_dir)} ({exc.message})") from None

    def record(self, loss, accuracy):
        """The next iteration's minibatch loss and accuracy, as its training step saw them."""
        self.training[0].append(loss)
        self.training[1].append(accuracy)

    def add(self, iteration, loss, accuracy, summary=None):
        """A printed point (and its TensorBoard summary)."""
        self.history.append((iteration, float(loss), float(accuracy)))
        if self.writer is not None and summary is not None:
            self.writer.add_summary(summary, iteration)

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def say_notes(self, plot=None, test_accuracy=None):
        for line in self.notes(plot, test_accuracy):
            print(line)

    def notes(self, plot=None, test_accuracy=None):
        """The closing lines: where the curves and the TensorBoard logs went."""
        lines = []
        if plot is not None:
            fig = curves_figure(self.training, self.history, test_accuracy, network_name(self.architecture))
            lines.append(f"Loss and accuracy curves saved to {display_path(save_figure(fig, plot))}")
        if self.log_dir is not None:
            shown = display_path(self.log_dir)
            lines.append(f"TensorBoard logs in {shown}: tensorboard --logdir {shown}")
        return lines


def network_name(architecture):
    """'784-512-256-128-10 MLP', '... MLP as published' (None: no name)."""
    if architecture is None:
        return None
    name = "-".join(map(str, architecture["layers"])) + " MLP"
    return f"{name} as published" if architecture["as_published"] else name


def curves_figure(training, printed, test_accuracy=None, network=None):
    """Loss and accuracy: every iteration's minibatch as its training step saw it (before the
    step, the training keep_prob), the printed points marked (the same batch after the step, no
    dropout), the test accuracy as a line; the title names the network and the iterations."""
    plt = pyplot()
    losses, accuracies = training
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    printed_at, printed_loss, printed_acc = zip(*printed, strict=True) if printed else ((), (), ())
    for ax, values, marks in ((ax_loss, losses, printed_loss), (ax_acc, accuracies, printed_acc)):
        every = "every iteration: the batch during its training step"
        ax.plot(range(len(values)), values, "-", color="tab:blue", linewidth=0.7, alpha=0.7, label=every)
        after = "printed: that batch after the step, without dropout"
        ax.plot(printed_at, marks, "o", color="black", markersize=5, label=after)
        ax.set_xlabel("iteration")
        ax.xaxis.get_major_locator().set_params(integer=True)
    if test_accuracy is not None:
        ax_acc.axhline(test_accuracy, color="tab:red", linestyle="--", label=f"test set: {test_accuracy:.4f}")
    ax_loss.set(ylabel="minibatch loss (cross-entropy)", title="Loss", ylim=(0, None))
    ax_acc.set(ylabel="minibatch accuracy", title="Accuracy", ylim=(0, 1.02))
    fig.legend(*ax_acc.get_legend_handles_labels(), loc="outside lower center", ncols=3)
    iterations = f"{len(losses)} iteration{'' if len(losses) == 1 else 's'}"
    fig.suptitle(f"{network}, {iterations}" if network else iterations)
    return fig
