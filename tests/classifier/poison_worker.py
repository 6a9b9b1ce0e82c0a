"""The Celery app for the poison-recording fault test (tests/classifier/test_faults.py):
WaveCardio's own app, where reading a recording whose name starts with ``poison`` kills the
worker process with SIGKILL, as the kernel's OOM killer does to a recording whose inference
needs more memory than the host has. Nothing here is imported outside that test."""

import os
import signal

from celery.signals import worker_process_init

from ecgsite.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _poison_kills_the_process(**kwargs) -> None:
    """In each worker process, once Django is set up: a poison recording kills it."""
    from classifier import services

    read_recording = services.recording_signal

    def recording_signal_or_die(recording):
        if recording.original_filename.startswith("poison"):
            os.kill(os.getpid(), signal.SIGKILL)
        return read_recording(recording)

    services.recording_signal = recording_signal_or_die
