"""Decoding text uploads (JSON, CSV): UTF-8 with an optional BOM, or UTF-16 with its BOM."""

from __future__ import annotations

import codecs

from classifier.core.errors import InvalidRecording


def encoding_of(head: bytes) -> str:
    """UTF-16 when the file starts with its BOM, else UTF-8 (a BOM is skipped)."""
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


def decode_text(data: bytes, *, partial: bool = False) -> str | None:
    """Text of a UTF-8 (BOM optional) or UTF-16 (with BOM) file; None for binary content.

    ``partial``: ``data`` is the file's beginning, which may end inside a character.
    """
    decoder = codecs.getincrementaldecoder(encoding_of(data))()
    try:
        text = decoder.decode(data, final=not partial)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def decoded(data: bytes, suffix: str) -> str:
    """The file's text; InvalidRecording when it is binary."""
    text = decode_text(data)
    if text is None:
        raise InvalidRecording(
            f"the {suffix or 'uploaded'} file is not text; save it as UTF-8 text"
        )
    return text
