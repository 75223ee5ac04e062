"""main.py's optional records of a training run: TensorBoard summaries (--log-dir) and the
loss/accuracy curves as a PNG (--plot)."""

from __future__ import annotations

from tutorial_kit.errors import UsageError
from tutorial_kit.files import display_path, pyplot, save_figure


class TrainingLog:
    """Collects the printed (iteration, loss, accuracy) points; writes TensorBoard events if asked."""

    def __init__(self, log_dir=None, graph=None):
        self.history = []
        self.writer = None
        self.log_dir = log_dir
        if log_dir is not None:
            from tutorial_kit.quiet_tf import tf

            try:
                self.writer = tf.compat.v1.summary.FileWriter(str(log_dir), graph)
            except tf.errors.OpError as exc:
                raise UsageError(f"cannot write TensorBoard logs in {display_path(log_dir)} ({exc.message})") from None

    def add(self, iteration, loss, accuracy, summary=None):
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

    def say_notes(self, plot=None):
        for line in self.notes(plot):
            print(line)

    def notes(self, plot=None):
        """The closing lines: where the curves and the TensorBoard logs went."""
        lines = []
        if plot is not None:
            lines.append(f"Loss and accuracy curves saved to {display_path(plot_history(self.history, plot))}")
        if self.log_dir is not None:
            shown = display_path(self.log_dir)
            lines.append(f"TensorBoard logs in {shown}: tensorboard --logdir {shown}")
        return lines


def plot_history(history, path):
    plt = pyplot()
    iterations, losses, accuracies = zip(*history, strict=True)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(iterations, losses, "o-")
    ax_loss.set(xlabel="iteration", ylabel="minibatch loss", title="Loss")
    ax_acc.plot(iterations, accuracies, "o-", color="tab:green")
    ax_acc.set(xlabel="iteration", ylabel="minibatch accuracy", title="Accuracy", ylim=(0, 1))
    return save_figure(fig, path)
