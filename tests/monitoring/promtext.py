"""Read Prometheus text exposition in tests."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """{(sample name, frozenset of label items): value} for every sample in ``text``."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text_or_samples, name: str, **labels) -> float:
    """The value of one sample; 0.0 when the series is absent (counters start at zero)."""
    found = text_or_samples if isinstance(text_or_samples, dict) else samples(text_or_samples)
    return found.get((name, frozenset(labels.items())), 0.0)
