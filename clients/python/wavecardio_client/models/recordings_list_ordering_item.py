from enum import StrEnum


class RecordingsListOrderingItem(StrEnum):
    ACQUIRED = "acquired"
    DURATION = "duration"
    FILE = "file"
    OVERREAD = "overread"
    PATIENT = "patient"
    RESULT = "result"
    UPLOADED = "uploaded"
    VALUE_0 = "-acquired"
    VALUE_1 = "-duration"
    VALUE_2 = "-file"
    VALUE_3 = "-overread"
    VALUE_4 = "-patient"
    VALUE_5 = "-result"
    VALUE_6 = "-uploaded"

    def __str__(self) -> str:
        return str(self.value)
