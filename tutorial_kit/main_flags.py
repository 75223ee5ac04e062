"""main.py's command line: the article's Parameters block as flags, and the flags for your own digits,
saved models and logs. Defaults come from main.py's Parameters, declared there once.

Nothing here imports TensorFlow: `--help` and a bad flag answer at once."""

from __future__ import annotations

from tutorial_kit import checkpoints, cli, files, input_data

MNIST_TRAIN = 55000  # input_data's training split (60,000 less 5,000 for validation): a batch can be no larger
# The flags that only shape a new model: a saved model used by --predict ignores them, with a note.
TRAINING_FLAGS = ("--iterations", "--batch-size", "--learning-rate", "--dropout", "--seed", "--data-dir", "--plot",
                  "--log-dir")  # fmt: skip


def parse(argv, n_iterations, batch_size, learning_rate, dropout):
    """The flags, once; `args.given` lists the flags the command line gave, `args.training_flags_given`
    those of them a saved model would ignore."""
    p = cli.ArgumentParser(description="The MNIST digit article on TensorFlow 2.21, errata fixed.")
    p.add_argument(
        "--iterations", type=cli.positive_int, default=n_iterations, help="training iterations (%(default)s)"
    )
    p.add_argument("--batch-size", type=cli.positive_int, default=batch_size, help="images per iteration (%(default)s)")
    p.add_argument("--learning-rate", type=cli.positive_float, default=learning_rate, help="Adam's step (%(default)s)")
    p.add_argument("--dropout", type=cli.keep_probability, default=dropout, help="keep probability (%(default)s)")
    p.add_argument("--predict", nargs="+", type=cli.input_file, metavar="FILE", help="your own images of digits")
    p.add_argument("--show-input", type=cli.output_path, metavar="PATH.png", help="save what the network saw")
    p.add_argument("--as-published", action="store_true", help="the article's exact graph and image recipe")
    p.add_argument("--retrain", action="store_true", help="with --predict: train even if a model is saved")
    p.add_argument("--checkpoint-dir", type=checkpoints.folder_flag, default=files.CHECKPOINTS,
                   help="saved models (the repository's checkpoints/)")  # fmt: skip
    p.add_argument("--log-dir", type=cli.output_dir, help="TensorBoard summaries (tensorboard --logdir DIR)")
    p.add_argument("--plot", type=cli.output_path, metavar="PATH.png", help="save the loss/accuracy curves")
    cli.add_common_flags(
        p, data_dir=input_data.MNIST_DIR, dry_run_help="20 iterations, models in a temporary folder: a quick check"
    )
    args = p.parse_args(argv)
    if args.batch_size > MNIST_TRAIN:
        p.error(f"argument --batch-size: at most {MNIST_TRAIN} (the training set), got {args.batch_size}")
    if args.dry_run:
        args.iterations, args.checkpoint_dir = min(args.iterations, 20), cli.dry_run_folder()
    args.training_flags_given = [flag for flag in args.given if flag in TRAINING_FLAGS]
    return args
