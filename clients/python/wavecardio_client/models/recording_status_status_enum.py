from enum import StrEnum


class RecordingStatusStatusEnum(StrEnum):
    DONE = "done"
    FAILED = "failed"
    NONE = "none"
    PENDING = "pending"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
