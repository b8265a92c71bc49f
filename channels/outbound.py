"""Every request the OMS sends to a channel goes through `outbound_request`.

A channel's base URL is typed by an account administrator, so a request must not become a way into the
server's own network:

* the host name is resolved first and the connection goes to the address that was checked (requests-hardened
  pins it), so a name cannot resolve to a public address for the check and to an internal one for the call;
* loopback, private, link-local, multicast, reserved and unspecified addresses (IPv4-mapped IPv6 ones too) are
  refused unless `CHANNEL_ALLOW_PRIVATE_ADDRESSES` is on (development and tests: the sandbox is on 127.0.0.1);
* redirects are never followed, and proxies or credentials from the environment are not used;
* a failed connection reads the same whatever the cause (refused, timed out, unreachable, not HTTP): the
  cause goes to the server log only, so the "Test connection" button cannot be used to scan ports.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress

from oms.exceptions import DomainError

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundError(DomainError):
    """A channel request that was refused or failed; the message names no port-scan detail. `status`: the HTTP
    status when the channel answered with an error."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message, code="outbound_error")
        self.status = status


def url_origin(url: str) -> str:
    """`scheme://host:port` of `url` (lower case, the default port written out); "" for a blank URL.

    A channel secret is bound to this: it may be sent only to the origin it was entered for."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # not a port number: keep the text, it matches nothing else
        port = parts.netloc.rsplit(":", 1)[-1]
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def outbound_exchange(
    *, method: str, url: str, headers: dict[str, str], body: bytes | None = None, timeout: float,
) -> tuple[int, dict[str, str], bytes]:
    """Send one request with any method and body, with the address checks of `outbound_request`, and return
    (status, headers with lower-case names, body) whatever the status: for protocols that read statuses and
    rate-limit headers. Raises OutboundError only when no HTTP answer came, or on a redirect."""
    origin = url_origin(url)
    if urlsplit(url).scheme.lower() not in DEFAULT_PORTS:
        raise OutboundError(f"{url} is not an http or https URL.")
    try:
        with _session() as session:
            response = session.request(method, url, data=body, headers=headers, timeout=timeout)
            content = response.content
    except InvalidIPAddress as exc:
        logger.warning("Channel request to %s refused: internal address %s", origin, exc)
        raise OutboundError(
            f"{origin} is an internal address (loopback, private, link-local or reserved); channel connections "
            "may only call public addresses."
        ) from None
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema):
        raise OutboundError(f"{url} is not a valid URL.") from None
    except (requests.RequestException, OSError, ValueError) as exc:
        # Refused, timed out, unreachable, reset, not speaking HTTP: one message, the cause in the log.
        logger.warning("Channel request to %s failed: %r", url, exc)
        raise OutboundError(f"cannot reach {origin}.") from None
    if response.is_redirect:
        raise OutboundError(f"HTTP {response.status_code} from {url} (redirects are not followed).")
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}, content


def _session() -> requests.Session:
    allow_private = settings.CHANNEL_ALLOW_PRIVATE_ADDRESSES
    session = Manager(Config(
        ip_filter_enable=not allow_private,
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,
        default_timeout=(5, 10),
        user_agent_override="OMS channel connector",
    )).get_session()
    session.trust_env = False  # no proxy, no .netrc credentials from the environment
    return session


@dataclass
class OutboundAnswer:
    """A channel's answer, whatever its status: the status, the headers (names lower case) and the decoded JSON
    body (None when the body is empty or not JSON)."""

    status: int
    headers: dict[str, str]
    body: object
    raw: bytes = b""


def outbound_call(*, url: str, headers: dict[str, str], payload=None, timeout: float) -> OutboundAnswer:
    """Send one JSON request (POST with `payload`, else GET) through `outbound_exchange` and return the answer
    whatever its status, with the body decoded as JSON, for protocols that read statuses and headers.

    Raises OutboundError only when no HTTP answer came (an internal address, no connection) or on a redirect."""
    data = None
    if payload is not None:
        data = json.dumps(payload).encode()
        headers = {**headers, "Content-Type": "application/json"}
    status, answer_headers, raw = outbound_exchange(
        method="POST" if data else "GET", url=url, headers=headers, body=data, timeout=timeout,
    )
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = None
    return OutboundAnswer(status=status, headers=answer_headers, body=decoded, raw=raw)


def outbound_request(*, url: str, headers: dict[str, str], payload=None, timeout: float):
    """Send one JSON request (POST with `payload`, else GET) and return the decoded JSON answer.

    Raises OutboundError: an internal address (unless allowed), no connection, an HTTP error or redirect,
    or an answer that is not JSON."""
    answer = outbound_call(url=url, headers=headers, payload=payload, timeout=timeout)
    if answer.status >= 300:
        raise OutboundError(f"HTTP {answer.status} from {url}", status=answer.status)
    try:
        return json.loads(answer.raw or b"null")
    except ValueError:
        raise OutboundError(f"{url} did not answer JSON") from None
