from enum import StrEnum


class RecordingsListOverread(StrEnum):
    AMENDED = "amended"
    AWAITING = "awaiting"
    NOT_READY = "not_ready"
    SIGNED = "signed"

    def __str__(self) -> str:
        return str(self.value)
