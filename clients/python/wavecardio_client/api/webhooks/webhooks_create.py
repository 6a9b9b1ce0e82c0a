from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_create_request import WebhookCreateRequest
from ...models.webhook_created import WebhookCreated
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: WebhookCreateRequest | WebhookCreateRequest | WebhookCreateRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/webhooks/",
    }

    if isinstance(body, WebhookCreateRequest):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, WebhookCreateRequest):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, WebhookCreateRequest):
        _kwargs["data"] = body.to_dict()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookCreated | None:
    if response.status_code == 201:
        response_201 = WebhookCreated.from_dict(response.json())

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
) -> Response[Problem | WebhookCreated]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookCreateRequest | WebhookCreateRequest | WebhookCreateRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | WebhookCreated]:
    """Webhooks instead of polling: each registered URL receives a signed POST when a
    prediction of the caller's recordings finishes or fails. The body (``event``,
    ``recording``, ``status``, ``detail_path``, ``delivery``) holds no clinical content; the
    header ``X-WaveCardio-Signature: t=<unix time>,v1=<hex>`` is HMAC-SHA256 with the
    webhook's secret over ``"<t>." + body``. Failed deliveries are retried with backoff (5
    attempts); every attempt is in the delivery log.

    Args:
        idempotency_key (str | Unset):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookCreated]
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
    body: WebhookCreateRequest | WebhookCreateRequest | WebhookCreateRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | WebhookCreated | None:
    """Webhooks instead of polling: each registered URL receives a signed POST when a
    prediction of the caller's recordings finishes or fails. The body (``event``,
    ``recording``, ``status``, ``detail_path``, ``delivery``) holds no clinical content; the
    header ``X-WaveCardio-Signature: t=<unix time>,v1=<hex>`` is HMAC-SHA256 with the
    webhook's secret over ``"<t>." + body``. Failed deliveries are retried with backoff (5
    attempts); every attempt is in the delivery log.

    Args:
        idempotency_key (str | Unset):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookCreated
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookCreateRequest | WebhookCreateRequest | WebhookCreateRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | WebhookCreated]:
    """Webhooks instead of polling: each registered URL receives a signed POST when a
    prediction of the caller's recordings finishes or fails. The body (``event``,
    ``recording``, ``status``, ``detail_path``, ``delivery``) holds no clinical content; the
    header ``X-WaveCardio-Signature: t=<unix time>,v1=<hex>`` is HMAC-SHA256 with the
    webhook's secret over ``"<t>." + body``. Failed deliveries are retried with backoff (5
    attempts); every attempt is in the delivery log.

    Args:
        idempotency_key (str | Unset):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookCreated]
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
    body: WebhookCreateRequest | WebhookCreateRequest | WebhookCreateRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | WebhookCreated | None:
    """Webhooks instead of polling: each registered URL receives a signed POST when a
    prediction of the caller's recordings finishes or fails. The body (``event``,
    ``recording``, ``status``, ``detail_path``, ``delivery``) holds no clinical content; the
    header ``X-WaveCardio-Signature: t=<unix time>,v1=<hex>`` is HMAC-SHA256 with the
    webhook's secret over ``"<t>." + body``. Failed deliveries are retried with backoff (5
    attempts); every attempt is in the delivery log.

    Args:
        idempotency_key (str | Unset):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):
        body (WebhookCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookCreated
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
