from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.classify_file_request import ClassifyFileRequest
from ...models.classify_result import ClassifyResult
from ...models.classify_signal_request import ClassifySignalRequest
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ClassifyFileRequest | ClassifySignalRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/classify/",
    }

    if isinstance(body, ClassifyFileRequest):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, ClassifySignalRequest):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ClassifyResult | Problem | None:
    if response.status_code == 200:
        response_200 = ClassifyResult.from_dict(response.json())

        return response_200

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ClassifyResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ClassifyFileRequest | ClassifySignalRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ClassifyResult | Problem]:
    """Classify a short signal without storing it (audited; nothing else kept).

    Args:
        idempotency_key (str | Unset):
        body (ClassifyFileRequest): The multipart form of a classify request: a file, no
            ``signal``.
        body (ClassifySignalRequest): The JSON form of a classify request: a signal, no ``file``;
            JSON types as the schema
            gives them (a number is not a string, a boolean not 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClassifyResult | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: ClassifyFileRequest | ClassifySignalRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ClassifyResult | Problem | None:
    """Classify a short signal without storing it (audited; nothing else kept).

    Args:
        idempotency_key (str | Unset):
        body (ClassifyFileRequest): The multipart form of a classify request: a file, no
            ``signal``.
        body (ClassifySignalRequest): The JSON form of a classify request: a signal, no ``file``;
            JSON types as the schema
            gives them (a number is not a string, a boolean not 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClassifyResult | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ClassifyFileRequest | ClassifySignalRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ClassifyResult | Problem]:
    """Classify a short signal without storing it (audited; nothing else kept).

    Args:
        idempotency_key (str | Unset):
        body (ClassifyFileRequest): The multipart form of a classify request: a file, no
            ``signal``.
        body (ClassifySignalRequest): The JSON form of a classify request: a signal, no ``file``;
            JSON types as the schema
            gives them (a number is not a string, a boolean not 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClassifyResult | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ClassifyFileRequest | ClassifySignalRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ClassifyResult | Problem | None:
    """Classify a short signal without storing it (audited; nothing else kept).

    Args:
        idempotency_key (str | Unset):
        body (ClassifyFileRequest): The multipart form of a classify request: a file, no
            ``signal``.
        body (ClassifySignalRequest): The JSON form of a classify request: a signal, no ``file``;
            JSON types as the schema
            gives them (a number is not a string, a boolean not 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClassifyResult | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
