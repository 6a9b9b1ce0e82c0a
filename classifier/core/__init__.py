"""The pure library: signal and format readers, CWT, model inputs, model runtime, pipeline.

No Django and no TensorFlow at import (an import-linter contract and a test keep it so);
the Django app around it (``classifier.services`` and friends) and offline training
(``classifier.training``) build on it.
"""
