from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.over_read import OverRead
from ...models.over_read_request import OverReadRequest
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    body: OverReadRequest | OverReadRequest | OverReadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/recordings/{id}/overread/".format(
            id=quote(str(id), safe=""),
        ),
    }

    if isinstance(body, OverReadRequest):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, OverReadRequest):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, OverReadRequest):
        _kwargs["data"] = body.to_dict()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> OverRead | Problem | None:
    if response.status_code == 201:
        response_201 = OverRead.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[OverRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: OverReadRequest | OverReadRequest | OverReadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[OverRead | Problem]:
    """Sign an over-read of the shown prediction: one per reviewer and prediction; signing locks it (change
    it with PATCH and a reason).

    Args:
        id (UUID):
        idempotency_key (str | Unset):
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OverRead | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: OverReadRequest | OverReadRequest | OverReadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> OverRead | Problem | None:
    """Sign an over-read of the shown prediction: one per reviewer and prediction; signing locks it (change
    it with PATCH and a reason).

    Args:
        id (UUID):
        idempotency_key (str | Unset):
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OverRead | Problem
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: OverReadRequest | OverReadRequest | OverReadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[OverRead | Problem]:
    """Sign an over-read of the shown prediction: one per reviewer and prediction; signing locks it (change
    it with PATCH and a reason).

    Args:
        id (UUID):
        idempotency_key (str | Unset):
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OverRead | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: OverReadRequest | OverReadRequest | OverReadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> OverRead | Problem | None:
    """Sign an over-read of the shown prediction: one per reviewer and prediction; signing locks it (change
    it with PATCH and a reason).

    Args:
        id (UUID):
        idempotency_key (str | Unset):
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.
        body (OverReadRequest): A signed over-read (one per reviewer and prediction), its current
            reading and the
            amendments that led to it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OverRead | Problem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
