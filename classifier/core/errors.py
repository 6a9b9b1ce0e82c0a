"""Domain refusals: raised where a rule is broken, translated once per edge (the web's
``ecgsite.middleware.DomainErrorMiddleware``, the API's ``classifier.api.errors``, each
command's handler). Messages are written for the user and safe to show.

Pure Python: the core raises them without Django, and every app above it shares them.
"""


class DomainError(Exception):
    """A refusal the user can act on (base of every domain error)."""


class NotFound(DomainError):
    """No such object, or none the actor may see: the same answer, so ids reveal nothing."""


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it, or lacks the role."""


class InvalidInput(DomainError, ValueError):
    """The request's data is wrong: a field, a parameter, a file."""


class Conflict(DomainError):
    """The object's state forbids the change now (e.g. over-reading an unfinished result)."""


class Gone(DomainError):
    """The object is known but its content is not there any more (a stored file missing
    from storage, or removed by the retention policy): 410 on the API, a page on the web."""


class PredictionAbandoned(Exception):
    """Not a refusal: a prediction started (or queued) too often without finishing (worker
    lost, killed for memory, over its time limit) and is now failed for good."""


class InvalidRecording(InvalidInput):
    """An uploaded recording cannot be used: the message says exactly what is wrong and,
    where useful, how to fix it."""


class RecordingTooLarge(InvalidRecording):
    """The file is over the size limit (HTTP 413 at the web edges)."""


class SamplingRateRequired(InvalidRecording):
    """The file does not state its sampling rate and none was given: the user must say it."""
