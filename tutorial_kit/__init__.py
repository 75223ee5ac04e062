"""The tutorials' shared helpers: data reading, own-digit images, checkpoints, the command line,
quiet TensorFlow, figures and errors. The scripts (main.py, draw.py, tutorials/) are the articles."""
