"""``http(s)://`` URLs: fetched with a timeout, a size cap and a User-Agent, then read as HTML,
a feed or plain text according to the response's content type (sniffed when it says nothing useful).

SSRF guard: the host name is resolved once, every address is checked, and the connection goes to
a checked address (so DNS cannot change its answer in between). Loopback, private, link-local,
shared (CGNAT), multicast, reserved and unspecified addresses are refused unless
``ReadOptions.allow_private_network`` (``--allow-private-network``) is set. Every redirect target
is checked the same way. Proxies from the environment are not used.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urljoin, urlsplit

from ..document import Document
from ..errors import Failure, InputError, InputTooLargeError, NetworkError
from . import feed as feed_reader
from . import html as html_reader
from ._common import decode_bytes_with_encoding, looks_binary

_REDIRECTS = (301, 302, 303, 307, 308)
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"
)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_XML_TYPES = ("application/xml", "text/xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_PRIVATE_HINT = "pass --allow-private-network to fetch from loopback, private and link-local addresses"


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str  # mime type, lower case
    charset: str | None
    body: bytes
    # validators for a later conditional GET (``fetch(..., headers=...)``): "etag", "last-modified"
    headers: dict[str, str] = field(default_factory=dict)


def read(url: str, options) -> Iterator[Document | Failure]:
    """Documents from one URL (one for a page, one per entry for a feed)."""
    page = fetch(url, options)
    yield from documents_from_response(page, where=url, options=options)


def documents_from_response(page: Fetched, *, where: str, options) -> Iterator[Document | Failure]:
    kind = _kind(page)
    meta = {"fetched_url": page.url} if page.url != where else None
    if kind == "html":
        yield html_reader.from_bytes(page.body, where=where, options=options, url=page.url, charset=page.charset, meta=meta)
    elif kind == "feed":
        yield from feed_reader.from_bytes(page.body, where=where, options=options, base_url=page.url)
    elif kind == "text":
        from .txt import from_text
        from ..document import normalise_text

        text, encoding = decode_bytes_with_encoding(page.body, where, page.charset)
        yield from_text(normalise_text(text), where=where, options=options, url=page.url, encoding=encoding)
    else:
        raise InputError(
            f"the server sent {page.content_type or 'an unknown content type'}, not HTML, a feed or text",
            where=where,
            hint="give the URL of an article page or an RSS/Atom feed",
        )


def _kind(page: Fetched) -> str:
    ct = page.content_type
    head = page.body[:1024].lstrip().lower()
    if ct in _HTML_TYPES:
        return "html"
    if ct in _FEED_TYPES:
        return "feed"
    if looks_binary(page.body[:8192]):
        return "binary"
    if ct in _XML_TYPES or not ct or ct in ("application/octet-stream", "text/plain"):
        if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
            return "html"
        if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) or b"<rss" in head or b"<feed" in head:
            return "feed"
        if ct in _XML_TYPES:
            return "feed"
        return "text"
    if ct.startswith("text/"):
        return "text"
    return "other"


# -- fetching ------------------------------------------------------------------------------------


def fetch(url: str, options, *, headers: dict[str, str] | None = None) -> Fetched:
    """GET ``url`` following up to 5 redirects, every hop checked; body capped at max_bytes.

    ``options.timeout`` bounds the WHOLE fetch (every hop: connect, TLS, status line, headers,
    body, chunks), not each socket read: a server that drips one byte at a time is cut off when
    the deadline passes (a watchdog shuts the socket down).

    ``headers``: extra request headers. With ``If-None-Match`` / ``If-Modified-Since`` among them
    (a conditional GET), a ``304 Not Modified`` answer is returned as ``Fetched(status=304, body=b"")``
    instead of raising.
    """
    deadline = time.monotonic() + options.timeout
    watchdog = _Watchdog(deadline)
    try:
        return _fetch(url, options, deadline, watchdog, headers)
    except NetworkError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise _fetch_failed(url, options, watchdog, e) from None
    finally:
        watchdog.cancel()


def _fetch_failed(url: str, options, watchdog, e: Exception) -> NetworkError:
    """The error for a failed fetch: a timeout when the whole-fetch deadline fired, else what failed."""
    if watchdog.fired:
        return _timed_out(url, options)
    return NetworkError(f"cannot fetch: {type(e).__name__}: {e}".rstrip(": "), where=url,
                        hint="check the URL and the network")


def _timed_out(url: str, options) -> NetworkError:
    return NetworkError(f"timed out after {options.timeout:g} s", where=url, hint="raise the limit with --timeout")


class _Watchdog:
    """Shuts the current socket down at the deadline, whatever http.client is blocked on."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None and self._sock.fileno() != -1:
                _shutdown(self._sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _fetch(url: str, options, deadline: float, watchdog: "_Watchdog", headers: dict[str, str] | None) -> Fetched:
    conditional = bool(headers) and any(k.lower() in ("if-none-match", "if-modified-since") for k in headers)
    current = url
    for _hop in range(6):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https"):
            raise NetworkError(
                f"refused to follow a redirect to a {parts.scheme or 'non-HTTP'} URL ({current})",
                where=url,
                hint="only http and https URLs are fetched",
            )
        if not parts.hostname:
            raise NetworkError("the URL has no host name", where=url, hint="give a full http(s):// URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise NetworkError("the URL has an invalid port", where=url) from None
        if time.monotonic() > deadline:
            raise _timed_out(url, options)
        conn = _connection(parts.scheme, parts.hostname, port, url, options, deadline, watchdog)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            conn.connect()
            watchdog.watch(conn.sock)  # the TLS socket, once wrapped
            conn.request(
                "GET",
                target,
                headers={
                    "User-Agent": options.user_agent,
                    "Accept": _ACCEPT,
                    "Accept-Encoding": "gzip, deflate",
                    "Connection": "close",
                    **(headers or {}),
                },
            )
            resp = conn.getresponse()
            validators = {k: v for k in ("etag", "last-modified") if (v := resp.getheader(k))}
            if resp.status == 304 and conditional:
                conn.close()
                return Fetched(url=current, status=304, content_type="", charset=None, body=b"", headers=validators)
            if resp.status in _REDIRECTS:
                location = resp.getheader("Location")
                conn.close()
                if not location:
                    raise NetworkError(f"HTTP {resp.status} redirect without a Location header", where=url)
                current = urljoin(current, location.strip())
                continue
            if resp.status != 200:
                conn.close()
                raise NetworkError(
                    f"the server answered HTTP {resp.status} {resp.reason}".rstrip(),
                    where=url,
                    hint="check the URL" if resp.status < 500 else "try again later",
                )
            body = _read_body(resp, url, options, deadline)
            if watchdog.fired:
                raise _timed_out(url, options)
            ctype_header = resp.getheader("Content-Type") or ""
            conn.close()
        except _Refused as e:
            raise NetworkError(str(e), where=url, hint=_PRIVATE_HINT) from None
        except (socket.timeout, TimeoutError):
            raise _timed_out(url, options) from None
        except ssl.SSLError as e:
            raise NetworkError(f"TLS error: {e.reason or e}", where=url) from None
        except socket.gaierror as e:
            raise NetworkError(f"cannot resolve host {parts.hostname!r}: {e.strerror}", where=url,
                               hint="check the URL and the network") from None
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise _fetch_failed(url, options, watchdog, e) from None
        finally:
            conn.close()
        mime, charset = _parse_content_type(ctype_header)
        return Fetched(url=current, status=200, content_type=mime, charset=charset, body=body, headers=validators)
    raise NetworkError("too many redirects (more than 5)", where=url)


def post(url: str, body: bytes, options, *, content_type: str = "application/json") -> int:
    """POST ``body`` to ``url`` through the same SSRF guard as :func:`fetch` (no redirects followed).

    Returns the HTTP status (2xx); anything else raises :class:`NetworkError`.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError("not an http(s) URL", where=url, hint="give a full http(s):// URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise NetworkError("the URL has an invalid port", where=url) from None
    deadline = time.monotonic() + options.timeout
    watchdog = _Watchdog(deadline)  # the timeout bounds the whole exchange, as in fetch()
    conn = _connection(parts.scheme, parts.hostname, port, url, options, deadline, watchdog)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        conn.request("POST", target, body=body, headers={
            "User-Agent": options.user_agent, "Content-Type": content_type, "Connection": "close",
        })
        resp = conn.getresponse()
        resp.read(65536)
        status = resp.status
    except _Refused as e:
        raise NetworkError(str(e), where=url, hint=_PRIVATE_HINT) from None
    except (socket.timeout, TimeoutError):
        raise NetworkError(f"timed out after {options.timeout:g} s", where=url) from None
    except (OSError, http.client.HTTPException, ssl.SSLError) as e:
        if watchdog.fired:
            raise NetworkError(f"timed out after {options.timeout:g} s", where=url) from None
        raise NetworkError(f"cannot post: {type(e).__name__}: {e}".rstrip(": "), where=url) from None
    finally:
        watchdog.cancel()
        conn.close()
    if not 200 <= status < 300:
        raise NetworkError(f"the server answered HTTP {status}", where=url, hint="check the webhook URL and the receiver")
    return status


def _parse_content_type(header: str) -> tuple[str, str | None]:
    mime, _, params = header.partition(";")
    charset = None
    for p in params.split(";"):
        k, _, v = p.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _read_body(resp: http.client.HTTPResponse, url: str, options, deadline: float) -> bytes:
    limit = options.max_bytes
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise InputTooLargeError(
            f"the server announces {int(length):,} bytes, over the {limit:,}-byte limit",
            where=url,
            hint="raise the limit with --max-bytes",
        )
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    elif encoding in ("identity", ""):
        decoder = None
    else:
        raise NetworkError(f"the server used an unsupported content encoding {encoding!r}", where=url)
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise NetworkError(f"timed out after {options.timeout:g} s while downloading", where=url,
                               hint="raise the limit with --timeout")
        chunk = resp.read1(64 * 1024)  # what has arrived (read() would wait for 64 KiB)
        if not chunk:
            break
        if decoder is not None:
            try:
                chunk = decoder.decompress(chunk, limit + 1 - size)
            except zlib.error:
                raise NetworkError("the compressed response is corrupt", where=url) from None
        size += len(chunk)
        if size > limit:
            raise InputTooLargeError(
                f"the download is over the {limit:,}-byte limit", where=url, hint="raise the limit with --max-bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


class _Refused(Exception):
    pass


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """``(kind, IPv4 address)`` when an IPv6 address carries an IPv4 address that a relay or
    translator would reach: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), 6to4
    (2002:AABB:CCDD::/16), Teredo (2001:0::/32, the client address), NAT64 (64:ff9b::/96, /48)."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip.teredo is not None:
        return "Teredo", ip.teredo[1]
    if any(ip in net for net in _NAT64):
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _IPV4_COMPATIBLE and int(ip) > 0xFFFF:  # not :: or ::1
        return "IPv4-compatible", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` must not be fetched from without --allow-private-network, or None if it is public.

    An IPv6 address that embeds an IPv4 address (6to4, Teredo, NAT64, IPv4-mapped/compatible) is
    judged by the IPv4 address inside it too: ``[2002:7f00:1::1]`` is 127.0.0.1 behind a relay.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            kind, v4 = inner
            why = address_refusal(v4)
            if why:
                return why if kind == "IPv4-mapped" else f"{kind} (embedding the {why} IPv4 address {v4})"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "shared (carrier-grade NAT)"
    if ip.is_reserved or not ip.is_global:
        return "reserved (non-global)"
    return None


def _connection(scheme: str, host: str, port: int, url: str, options, deadline: float,
                watchdog: "_Watchdog | None" = None) -> http.client.HTTPConnection:
    timeout = max(0.1, min(options.timeout, deadline - time.monotonic()))

    def guarded_connect(address, timeout=timeout, source_address=None):
        h, p = address
        infos = socket.getaddrinfo(h, p, 0, socket.SOCK_STREAM)
        if not options.allow_private_network:
            for *_, sockaddr in infos:
                ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
                why = address_refusal(ip)
                if why:
                    shown = h if h == str(ip) else f"{h} ({ip})"
                    raise _Refused(f"refused to fetch {shown}: it is a {why} address")
        last: OSError | None = None
        for family, socktype, proto, _canon, sockaddr in infos:
            sock = socket.socket(family, socktype, proto)
            if watchdog is not None:
                watchdog.watch(sock)
            try:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as e:
                sock.close()
                last = e
        raise last or OSError(f"cannot connect to {h}")

    if scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    # http.client connects through this attribute; ours resolves, checks, then connects to the checked address
    conn._create_connection = guarded_connect  # type: ignore[attr-defined]
    return conn
