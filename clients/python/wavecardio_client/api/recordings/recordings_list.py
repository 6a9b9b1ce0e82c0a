import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.paginated_recording_list import PaginatedRecordingList
from ...models.problem import Problem
from ...models.recordings_list_ordering_item import RecordingsListOrderingItem
from ...models.recordings_list_overread import RecordingsListOverread
from ...models.recordings_list_status import RecordingsListStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    label: str | Unset = UNSET,
    ordering: list[RecordingsListOrderingItem] | Unset = UNSET,
    overread: RecordingsListOverread | Unset = UNSET,
    owner: str | Unset = UNSET,
    page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    patient: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: RecordingsListStatus | Unset = UNSET,
    uploaded_from: datetime.date | Unset = UNSET,
    uploaded_to: datetime.date | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["label"] = label

    json_ordering: list[str] | Unset = UNSET
    if not isinstance(ordering, Unset):
        json_ordering = []
        for ordering_item_data in ordering:
            ordering_item = ordering_item_data.value
            json_ordering.append(ordering_item)

    params["ordering"] = json_ordering

    json_overread: str | Unset = UNSET
    if not isinstance(overread, Unset):
        json_overread = overread.value

    params["overread"] = json_overread

    params["owner"] = owner

    params["page"] = page

    params["page_size"] = page_size

    params["patient"] = patient

    params["q"] = q

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_uploaded_from: str | Unset = UNSET
    if not isinstance(uploaded_from, Unset):
        json_uploaded_from = uploaded_from.isoformat()
    params["uploaded_from"] = json_uploaded_from

    json_uploaded_to: str | Unset = UNSET
    if not isinstance(uploaded_to, Unset):
        json_uploaded_to = uploaded_to.isoformat()
    params["uploaded_to"] = json_uploaded_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/recordings/",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PaginatedRecordingList | Problem | None:
    if response.status_code == 200:
        response_200 = PaginatedRecordingList.from_dict(response.json())

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
) -> Response[PaginatedRecordingList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    label: str | Unset = UNSET,
    ordering: list[RecordingsListOrderingItem] | Unset = UNSET,
    overread: RecordingsListOverread | Unset = UNSET,
    owner: str | Unset = UNSET,
    page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    patient: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: RecordingsListStatus | Unset = UNSET,
    uploaded_from: datetime.date | Unset = UNSET,
    uploaded_to: datetime.date | Unset = UNSET,
) -> Response[PaginatedRecordingList | Problem]:
    """The recordings the caller may see, filtered, sorted and paged (summaries: no
    per-window results). Invalid or unknown parameters answer 400.

    Args:
        label (str | Unset):
        ordering (list[RecordingsListOrderingItem] | Unset):
        overread (RecordingsListOverread | Unset):
        owner (str | Unset):
        page (int | Unset):
        page_size (int | Unset):
        patient (str | Unset):
        q (str | Unset):
        status (RecordingsListStatus | Unset):
        uploaded_from (datetime.date | Unset):
        uploaded_to (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedRecordingList | Problem]
    """

    kwargs = _get_kwargs(
        label=label,
        ordering=ordering,
        overread=overread,
        owner=owner,
        page=page,
        page_size=page_size,
        patient=patient,
        q=q,
        status=status,
        uploaded_from=uploaded_from,
        uploaded_to=uploaded_to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    label: str | Unset = UNSET,
    ordering: list[RecordingsListOrderingItem] | Unset = UNSET,
    overread: RecordingsListOverread | Unset = UNSET,
    owner: str | Unset = UNSET,
    page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    patient: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: RecordingsListStatus | Unset = UNSET,
    uploaded_from: datetime.date | Unset = UNSET,
    uploaded_to: datetime.date | Unset = UNSET,
) -> PaginatedRecordingList | Problem | None:
    """The recordings the caller may see, filtered, sorted and paged (summaries: no
    per-window results). Invalid or unknown parameters answer 400.

    Args:
        label (str | Unset):
        ordering (list[RecordingsListOrderingItem] | Unset):
        overread (RecordingsListOverread | Unset):
        owner (str | Unset):
        page (int | Unset):
        page_size (int | Unset):
        patient (str | Unset):
        q (str | Unset):
        status (RecordingsListStatus | Unset):
        uploaded_from (datetime.date | Unset):
        uploaded_to (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedRecordingList | Problem
    """

    return sync_detailed(
        client=client,
        label=label,
        ordering=ordering,
        overread=overread,
        owner=owner,
        page=page,
        page_size=page_size,
        patient=patient,
        q=q,
        status=status,
        uploaded_from=uploaded_from,
        uploaded_to=uploaded_to,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    label: str | Unset = UNSET,
    ordering: list[RecordingsListOrderingItem] | Unset = UNSET,
    overread: RecordingsListOverread | Unset = UNSET,
    owner: str | Unset = UNSET,
    page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    patient: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: RecordingsListStatus | Unset = UNSET,
    uploaded_from: datetime.date | Unset = UNSET,
    uploaded_to: datetime.date | Unset = UNSET,
) -> Response[PaginatedRecordingList | Problem]:
    """The recordings the caller may see, filtered, sorted and paged (summaries: no
    per-window results). Invalid or unknown parameters answer 400.

    Args:
        label (str | Unset):
        ordering (list[RecordingsListOrderingItem] | Unset):
        overread (RecordingsListOverread | Unset):
        owner (str | Unset):
        page (int | Unset):
        page_size (int | Unset):
        patient (str | Unset):
        q (str | Unset):
        status (RecordingsListStatus | Unset):
        uploaded_from (datetime.date | Unset):
        uploaded_to (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedRecordingList | Problem]
    """

    kwargs = _get_kwargs(
        label=label,
        ordering=ordering,
        overread=overread,
        owner=owner,
        page=page,
        page_size=page_size,
        patient=patient,
        q=q,
        status=status,
        uploaded_from=uploaded_from,
        uploaded_to=uploaded_to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    label: str | Unset = UNSET,
    ordering: list[RecordingsListOrderingItem] | Unset = UNSET,
    overread: RecordingsListOverread | Unset = UNSET,
    owner: str | Unset = UNSET,
    page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    patient: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: RecordingsListStatus | Unset = UNSET,
    uploaded_from: datetime.date | Unset = UNSET,
    uploaded_to: datetime.date | Unset = UNSET,
) -> PaginatedRecordingList | Problem | None:
    """The recordings the caller may see, filtered, sorted and paged (summaries: no
    per-window results). Invalid or unknown parameters answer 400.

    Args:
        label (str | Unset):
        ordering (list[RecordingsListOrderingItem] | Unset):
        overread (RecordingsListOverread | Unset):
        owner (str | Unset):
        page (int | Unset):
        page_size (int | Unset):
        patient (str | Unset):
        q (str | Unset):
        status (RecordingsListStatus | Unset):
        uploaded_from (datetime.date | Unset):
        uploaded_to (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedRecordingList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            label=label,
            ordering=ordering,
            overread=overread,
            owner=owner,
            page=page,
            page_size=page_size,
            patient=patient,
            q=q,
            status=status,
            uploaded_from=uploaded_from,
            uploaded_to=uploaded_to,
        )
    ).parsed
