from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.signal import Signal
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    end_s: float | None | Unset = UNSET,
    lead: int | None | Unset = UNSET,
    max_points: int | Unset = 4000,
    start_s: float | Unset = 0.0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_end_s: float | None | Unset
    if isinstance(end_s, Unset):
        json_end_s = UNSET
    else:
        json_end_s = end_s
    params["end_s"] = json_end_s

    json_lead: int | None | Unset
    if isinstance(lead, Unset):
        json_lead = UNSET
    else:
        json_lead = lead
    params["lead"] = json_lead

    params["max_points"] = max_points

    params["start_s"] = start_s

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/recordings/{id}/signal/".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Signal | None:
    if response.status_code == 200:
        response_200 = Signal.from_dict(response.json())

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

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Signal]:
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
    end_s: float | None | Unset = UNSET,
    lead: int | None | Unset = UNSET,
    max_points: int | Unset = 4000,
    start_s: float | Unset = 0.0,
) -> Response[Problem | Signal]:
    """The signal in mV for a time range (every lead, or only ``lead``), as at most
    ``max_points`` points per lead: every sample, or above that the min/max envelope of
    the zoom level's buckets (``core.envelope``). A span at full resolution carries the
    recording's R-peaks in it.

    Args:
        id (UUID):
        end_s (float | None | Unset):
        lead (int | None | Unset):
        max_points (int | Unset):  Default: 4000.
        start_s (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Signal]
    """

    kwargs = _get_kwargs(
        id=id,
        end_s=end_s,
        lead=lead,
        max_points=max_points,
        start_s=start_s,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    end_s: float | None | Unset = UNSET,
    lead: int | None | Unset = UNSET,
    max_points: int | Unset = 4000,
    start_s: float | Unset = 0.0,
) -> Problem | Signal | None:
    """The signal in mV for a time range (every lead, or only ``lead``), as at most
    ``max_points`` points per lead: every sample, or above that the min/max envelope of
    the zoom level's buckets (``core.envelope``). A span at full resolution carries the
    recording's R-peaks in it.

    Args:
        id (UUID):
        end_s (float | None | Unset):
        lead (int | None | Unset):
        max_points (int | Unset):  Default: 4000.
        start_s (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Signal
    """

    return sync_detailed(
        id=id,
        client=client,
        end_s=end_s,
        lead=lead,
        max_points=max_points,
        start_s=start_s,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    end_s: float | None | Unset = UNSET,
    lead: int | None | Unset = UNSET,
    max_points: int | Unset = 4000,
    start_s: float | Unset = 0.0,
) -> Response[Problem | Signal]:
    """The signal in mV for a time range (every lead, or only ``lead``), as at most
    ``max_points`` points per lead: every sample, or above that the min/max envelope of
    the zoom level's buckets (``core.envelope``). A span at full resolution carries the
    recording's R-peaks in it.

    Args:
        id (UUID):
        end_s (float | None | Unset):
        lead (int | None | Unset):
        max_points (int | Unset):  Default: 4000.
        start_s (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Signal]
    """

    kwargs = _get_kwargs(
        id=id,
        end_s=end_s,
        lead=lead,
        max_points=max_points,
        start_s=start_s,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    end_s: float | None | Unset = UNSET,
    lead: int | None | Unset = UNSET,
    max_points: int | Unset = 4000,
    start_s: float | Unset = 0.0,
) -> Problem | Signal | None:
    """The signal in mV for a time range (every lead, or only ``lead``), as at most
    ``max_points`` points per lead: every sample, or above that the min/max envelope of
    the zoom level's buckets (``core.envelope``). A span at full resolution carries the
    recording's R-peaks in it.

    Args:
        id (UUID):
        end_s (float | None | Unset):
        lead (int | None | Unset):
        max_points (int | Unset):  Default: 4000.
        start_s (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Signal
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            end_s=end_s,
            lead=lead,
            max_points=max_points,
            start_s=start_s,
        )
    ).parsed
