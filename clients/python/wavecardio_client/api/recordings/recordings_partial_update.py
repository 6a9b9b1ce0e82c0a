from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.patched_patient_request import PatchedPatientRequest
from ...models.problem import Problem
from ...models.recording_detail import RecordingDetail
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    body: PatchedPatientRequest | PatchedPatientRequest | PatchedPatientRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/recordings/{id}/".format(
            id=quote(str(id), safe=""),
        ),
    }

    if isinstance(body, PatchedPatientRequest):
        if not isinstance(body, Unset):
            _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, PatchedPatientRequest):
        if not isinstance(body, Unset):
            _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, PatchedPatientRequest):
        if not isinstance(body, Unset):
            _kwargs["data"] = body.to_dict()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RecordingDetail | None:
    if response.status_code == 200:
        response_200 = RecordingDetail.from_dict(response.json())

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

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | RecordingDetail]:
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
    body: PatchedPatientRequest | PatchedPatientRequest | PatchedPatientRequest | Unset = UNSET,
) -> Response[Problem | RecordingDetail]:
    """The owner changes the patient details (audited); fields left out keep their value, null or an empty
    string clears one.

    Args:
        id (UUID):
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecordingDetail]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedPatientRequest | PatchedPatientRequest | PatchedPatientRequest | Unset = UNSET,
) -> Problem | RecordingDetail | None:
    """The owner changes the patient details (audited); fields left out keep their value, null or an empty
    string clears one.

    Args:
        id (UUID):
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecordingDetail
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedPatientRequest | PatchedPatientRequest | PatchedPatientRequest | Unset = UNSET,
) -> Response[Problem | RecordingDetail]:
    """The owner changes the patient details (audited); fields left out keep their value, null or an empty
    string clears one.

    Args:
        id (UUID):
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecordingDetail]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedPatientRequest | PatchedPatientRequest | PatchedPatientRequest | Unset = UNSET,
) -> Problem | RecordingDetail | None:
    """The owner changes the patient details (audited); fields left out keep their value, null or an empty
    string clears one.

    Args:
        id (UUID):
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.
        body (PatchedPatientRequest | Unset): Patient details, all optional;
            ``validated_data["patient"]`` is a PatientDetails.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecordingDetail
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
