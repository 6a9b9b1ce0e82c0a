"""Chunked request bodies for Django under gunicorn.

Django reads a request body only as far as ``CONTENT_LENGTH`` says, so a body sent with
``Transfer-Encoding: chunked`` (curl -T -, requests with a generator) reached the views
empty: an upload answered "No file was submitted". gunicorn decodes the chunks and marks the
stream ``wsgi.input_terminated``; this WSGI middleware spools such a body to a temporary file,
bounded by the upload limit, and gives Django its length. Behind deploy/nginx.conf the body
already arrives with a length (nginx buffers it); this covers gunicorn reached directly.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable

_SPOOL_IN_MEMORY_BYTES = 1024 * 1024
_READ_BYTES = 1024 * 1024


def is_unsized_chunked(environ: dict) -> bool:
    return (
        not environ.get("CONTENT_LENGTH")
        and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        and bool(environ.get("wsgi.input_terminated"))  # the server decoded the chunks
    )


class ChunkedBodies:
    """Give an unsized chunked body its length. At most ``max_bytes() + 1`` bytes are read:
    a longer body is handed on with that length, so the view (upload limit) or Django
    (DATA_UPLOAD_MAX_MEMORY_SIZE) refuses it with 413 as it would a declared one."""

    def __init__(self, app: Callable, max_bytes: Callable[[], int]) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not is_unsized_chunked(environ):
            return self.app(environ, start_response)
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 (closed with the response)
        try:
            size = _copy(environ["wsgi.input"], spool, limit=self.max_bytes() + 1)
            spool.seek(0)
            response = self.app(
                {**environ, "CONTENT_LENGTH": str(size), "wsgi.input": spool}, start_response
            )
        except BaseException:
            spool.close()
            raise
        return _ClosingResponse(response, spool)


def _copy(source, target, *, limit: int) -> int:
    size = 0
    while size < limit and (chunk := source.read(min(_READ_BYTES, limit - size))):
        target.write(chunk)
        size += len(chunk)
    return size


class _ClosingResponse:
    """The application's response, closing the spooled body with it (WSGI's close())."""

    def __init__(self, response: Iterable[bytes], spool) -> None:
        self.response = response
        self.spool = spool

    def __iter__(self):
        return iter(self.response)

    def close(self) -> None:
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            self.spool.close()
