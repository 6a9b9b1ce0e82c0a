from enum import StrEnum


class OverReadLabelEnum(StrEnum):
    ARR = "ARR"
    CHF = "CHF"
    NON_DIAGNOSTIC = "non-diagnostic"
    NSR = "NSR"

    def __str__(self) -> str:
        return str(self.value)
