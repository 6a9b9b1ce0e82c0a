"""Offline training, evaluation and model cards (TensorFlow is imported only here)."""

import logging
import sys

PROGRESS_LOGGER = "classifier.training"  # parent of every module logger of this package


def show_progress(line_format: str = "%(message)s") -> None:
    """Progress of this package's loggers on stdout, as plain lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(line_format))
    package = logging.getLogger(PROGRESS_LOGGER)
    package.addHandler(handler)
    package.setLevel(logging.INFO)
