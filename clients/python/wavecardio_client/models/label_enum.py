from enum import StrEnum


class LabelEnum(StrEnum):
    ARR = "ARR"
    CHF = "CHF"
    NSR = "NSR"
    UNCERTAIN = "uncertain"

    def __str__(self) -> str:
        return str(self.value)
