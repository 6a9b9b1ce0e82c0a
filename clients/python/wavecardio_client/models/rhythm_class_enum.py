from enum import StrEnum


class RhythmClassEnum(StrEnum):
    ARR = "ARR"
    CHF = "CHF"
    NSR = "NSR"

    def __str__(self) -> str:
        return str(self.value)
