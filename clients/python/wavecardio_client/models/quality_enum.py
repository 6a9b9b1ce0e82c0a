from enum import StrEnum


class QualityEnum(StrEnum):
    ARTEFACT = "artefact"
    CLIPPED = "clipped"
    FLAT = "flat"
    OK = "ok"

    def __str__(self) -> str:
        return str(self.value)
