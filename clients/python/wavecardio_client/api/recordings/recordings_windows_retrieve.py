from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.window_page import WindowPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    lead: int | None | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 500,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_lead: int | None | Unset
    if isinstance(lead, Unset):
        json_lead = UNSET
    else:
        json_lead = lead
    params["lead"] = json_lead

    params["page"] = page

    params["page_size"] = page_size

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/recordings/{id}/windows/".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | WindowPage | None:
    if response.status_code == 200:
        response_200 = WindowPage.from_dict(response.json())

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

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | WindowPage]:
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
    lead: int | None | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 500,
) -> Response[Problem | WindowPage]:
    """The shown prediction's per-window answers (the CLI's ``--windows`` fields), one
    page at a time, optionally one ``lead``'s only; an audited read like the detail.

    Args:
        id (UUID):
        lead (int | None | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WindowPage]
    """

    kwargs = _get_kwargs(
        id=id,
        lead=lead,
        page=page,
        page_size=page_size,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    lead: int | None | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 500,
) -> Problem | WindowPage | None:
    """The shown prediction's per-window answers (the CLI's ``--windows`` fields), one
    page at a time, optionally one ``lead``'s only; an audited read like the detail.

    Args:
        id (UUID):
        lead (int | None | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WindowPage
    """

    return sync_detailed(
        id=id,
        client=client,
        lead=lead,
        page=page,
        page_size=page_size,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    lead: int | None | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 500,
) -> Response[Problem | WindowPage]:
    """The shown prediction's per-window answers (the CLI's ``--windows`` fields), one
    page at a time, optionally one ``lead``'s only; an audited read like the detail.

    Args:
        id (UUID):
        lead (int | None | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WindowPage]
    """

    kwargs = _get_kwargs(
        id=id,
        lead=lead,
        page=page,
        page_size=page_size,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    lead: int | None | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 500,
) -> Problem | WindowPage | None:
    """The shown prediction's per-window answers (the CLI's ``--windows`` fields), one
    page at a time, optionally one ``lead``'s only; an audited read like the detail.

    Args:
        id (UUID):
        lead (int | None | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WindowPage
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            lead=lead,
            page=page,
            page_size=page_size,
        )
    ).parsed
