from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recording_upload_request import RecordingUploadRequest
from ...models.recording_uploaded import RecordingUploaded
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: RecordingUploadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/recordings/",
    }

    if not isinstance(body, Unset):
        _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RecordingUploaded | None:
    if response.status_code == 200:
        response_200 = RecordingUploaded.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = RecordingUploaded.from_dict(response.json())

        return response_201

    if response.status_code == 202:
        response_202 = RecordingUploaded.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[Problem | RecordingUploaded]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RecordingUploadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | RecordingUploaded]:
    """Recordings the caller may see, with the prediction shown for each.

    Args:
        idempotency_key (str | Unset):
        body (RecordingUploadRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecordingUploaded]
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
    body: RecordingUploadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | RecordingUploaded | None:
    """Recordings the caller may see, with the prediction shown for each.

    Args:
        idempotency_key (str | Unset):
        body (RecordingUploadRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecordingUploaded
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RecordingUploadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | RecordingUploaded]:
    """Recordings the caller may see, with the prediction shown for each.

    Args:
        idempotency_key (str | Unset):
        body (RecordingUploadRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecordingUploaded]
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
    body: RecordingUploadRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | RecordingUploaded | None:
    """Recordings the caller may see, with the prediction shown for each.

    Args:
        idempotency_key (str | Unset):
        body (RecordingUploadRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecordingUploaded
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
