"""Review routes (API + web UI) over :mod:`narrascope.review`; hooked into ``create_app`` by
:func:`register_review`.

Who may write corrections
    Review is **on** only when the server has a reviewer token (``NARRASCOPE_REVIEW_TOKEN`` /
    ``ReviewConfig(token=...)``) or runs bound to loopback (``narrascope serve`` on 127.0.0.1 /
    ::1 / localhost, the default). Otherwise the reviewed values are shown, read-only.

    - API clients: ``Authorization: Bearer <reviewer token>`` and JSON; the reviewer is the
      ``reviewer`` field of the body (default ``"api"``). In loopback mode without a token,
      JSON requests from a loopback client are accepted without one.
    - Browsers: with a token, ``/review/login`` asks for it (and a name) once and sets a signed,
      HttpOnly, SameSite=Strict cookie; in loopback mode the name is asked, no token.

CSRF
    Every state-changing form carries a ``csrf`` field: an HMAC, under a per-process random key,
    of the reviewer cookie; a cross-site page cannot read it. Requests whose ``Origin`` is
    another origin (``null``, sent under the no-referrer policy, decides nothing), or whose
    ``Sec-Fetch-Site`` is ``cross-site``/``same-site``, are refused; in
    loopback mode the ``Host`` must be a loopback name (no DNS-rebinding). Bearer/JSON requests
    need no CSRF token (a browser cannot send them cross-site without a CORS preflight, which
    this server never grants).
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..errors import AuthError, InputError, NarrascopeError

REVIEW_TOKEN_ENV = "NARRASCOPE_REVIEW_TOKEN"
COOKIE = "narrascope_reviewer"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
MAX_FORM_BYTES = 64 * 1024


class ReviewDisabledError(NarrascopeError):
    status = 403
    code = "review_disabled"


class CSRFError(NarrascopeError):
    status = 403
    code = "csrf_failed"


@dataclass
class ReviewConfig:
    """``token``: the reviewer token (default: ``$NARRASCOPE_REVIEW_TOKEN``); ``loopback``: the server
    is bound to a loopback address (``narrascope serve`` sets it); ``default_reviewer``: the name
    used in loopback mode before a reviewer gives one."""

    token: str | None = None
    loopback: bool = False
    default_reviewer: str = "reviewer"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @property
    def enabled(self) -> bool:
        return bool(self.token) or self.loopback


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    h = host.strip().lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_only(host_header: str) -> str:
    h = host_header.strip()
    if h.startswith("["):
        return h.split("]")[0] + "]"
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class ReviewAuth:
    def __init__(self, cfg: ReviewConfig):
        self.cfg = cfg

    # signed reviewer cookie: base64(name) "." hmac
    def sign(self, name: str) -> str:
        raw = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii").rstrip("=")
        mac = hmac.new(self.cfg.secret, b"reviewer:" + raw.encode("ascii"), "sha256").hexdigest()[:32]
        return f"{raw}.{mac}"

    def unsign(self, value: str | None) -> str | None:
        if not value or "." not in value:
            return None
        raw, mac = value.rsplit(".", 1)
        want = hmac.new(self.cfg.secret, b"reviewer:" + raw.encode("ascii", "replace"), "sha256").hexdigest()[:32]
        if not hmac.compare_digest(mac, want):
            return None
        try:
            return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None

    def csrf(self, request: Request) -> str:
        basis = request.cookies.get(COOKIE) or "anonymous"
        return hmac.new(self.cfg.secret, b"csrf:" + basis.encode("utf-8", "replace"), "sha256").hexdigest()

    def local(self, request: Request) -> bool:
        """Loopback mode, loopback client, loopback Host header (a rebinding page has another Host)."""
        client = request.client.host if request.client else None
        return self.cfg.loopback and is_loopback_host(client) and is_loopback_host(_host_only(request.headers.get("host", "")))

    def reviewer(self, request: Request) -> str | None:
        """The browser reviewer (signed cookie), the default one in loopback mode, or None."""
        name = self.unsign(request.cookies.get(COOKIE))
        if name:
            return name
        if self.local(request) and not self.cfg.token:
            return self.cfg.default_reviewer
        return None

    def bearer_ok(self, request: Request) -> bool:
        scheme, _, cred = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not cred.strip():
            return False
        if not self.cfg.token:
            raise AuthError("this server has no reviewer token", where="Authorization header",
                            hint=f"set {REVIEW_TOKEN_ENV} before `narrascope serve`, or send no Authorization header on loopback")
        if not hmac.compare_digest(cred.strip().encode("utf-8"), self.cfg.token.encode("utf-8")):
            raise AuthError("the reviewer token is wrong", where="Authorization header", hint=f"use the server's {REVIEW_TOKEN_ENV}")
        return True

    def same_origin(self, request: Request) -> None:
        site = request.headers.get("sec-fetch-site")
        if site and site not in ("same-origin", "none"):
            raise CSRFError(f"cross-site request refused (Sec-Fetch-Site: {site})", where="Origin",
                            hint="post review forms from this server's own pages")
        origin = request.headers.get("origin")
        if origin and origin != "null":
            want = f"{request.url.scheme}://{request.headers.get('host', '')}"
            if origin.rstrip("/") != want:
                raise CSRFError(f"cross-origin request refused (Origin {origin[:100]})", where="Origin",
                                hint="post review forms from this server's own pages")
        # "Origin: null" is what browsers send for our own forms under Referrer-Policy: no-referrer:
        # it decides nothing; the csrf field (forms) and Sec-Fetch-Site (above) do

    def check_enabled(self) -> None:
        if not self.cfg.enabled:
            raise ReviewDisabledError(
                "review is off on this server: it has no reviewer token and is not bound to loopback",
                where="review", hint=f"set {REVIEW_TOKEN_ENV} before `narrascope serve`, or serve on 127.0.0.1",
            )


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise InputError("the form is not UTF-8 url-encoded data", where="body") from None
    return {k: v[-1] for k, v in parsed.items()}


def _form_item(f: dict[str, str]) -> dict[str, Any]:
    def num(k):
        v = (f.get(k) or "").strip()
        if not v:
            return None
        try:
            return int(v)
        except ValueError:
            raise InputError(f"{k} must be an integer offset, got {v[:40]!r}", where=k) from None

    fine = [x.strip() for x in (f.get("fine_roles") or "").replace(";", ",").split(",") if x.strip()]
    return {"kind": f.get("kind", ""), "action": f.get("action", ""), "task": f.get("task") or None,
            "label": f.get("label") or None, "start": num("start"), "end": num("end"), "entity": f.get("entity") or None,
            "fine_roles": fine, "note": f.get("note") or None}


def _safe_next(base: str, value: str | None, default: str) -> str:
    """Only a local path (no scheme, no host, no //) may be a redirect target."""
    if value and value.startswith("/") and not value.startswith("//") and not urlsplit(value).netloc and "\\" not in value:
        return value
    return default


def taxonomy_options() -> dict[str, list[str]]:
    """Label suggestions for the add forms: the shipped narrative and role taxonomies."""
    from ..taxonomies import load_taxonomy

    out: dict[str, list[str]] = {}
    try:
        t = load_taxonomy("semeval2025-narratives")
        out["narratives"] = [lab.id for lab in t.labels if lab.parent is None]
        out["subnarratives"] = [lab.id for lab in t.labels if lab.parent is not None]
        r = load_taxonomy("semeval2025-roles")
        out["main_roles"] = [lab.id for lab in r.labels if lab.parent is None]
        out["fine_roles"] = [lab.id for lab in r.labels if lab.parent is not None]
    except NarrascopeError:
        pass
    return out


MAX_SPANS_LISTED = 300


def model_spans(record: dict[str, Any], state: dict[str, Any]) -> list[dict[str, Any]]:
    """The analysis' spans (the first MAX_SPANS_LISTED) with their review status, then added spans."""
    text = (record.get("document") or {}).get("text") or ""
    reviewed = {(s["analyzer"], s["label"], s["start"], s["end"]): s for s in state["spans"]}
    out, seen = [], set()
    for sp in (record.get("spans") or [])[:MAX_SPANS_LISTED]:
        key = (sp.get("analyzer") or "", sp.get("label"), sp.get("start"), sp.get("end"))
        if key in seen:
            continue
        seen.add(key)
        r = reviewed.get(key)
        out.append({"analyzer": key[0], "label": key[1], "start": key[2], "end": key[3], "score": sp.get("score"),
                    "text": text[key[2] : key[3]][:200], "status": r["status"] if r else "model",
                    "reviewer": r.get("reviewer") if r else None})
    out += [dict(s, text=s["text"][:200]) for k, s in reviewed.items() if k not in seen]
    return out


def register_review(app, rt, render: Callable, json_response: Callable, cfg: ReviewConfig | None = None):
    """Add the ``/review`` routes to ``app``; returns the view helper the article page calls:
    ``review_view(request, record)`` -> the context of ``_review.html`` (and ``.json(record)``)."""
    from ..review import add_corrections, document_review, review_progress, review_queue

    if cfg is None:
        cfg = ReviewConfig(token=os.environ.get(REVIEW_TOKEN_ENV) or None)
    auth = ReviewAuth(cfg)
    app.state.review = cfg
    options = taxonomy_options()

    def base_of(request: Request) -> str:
        return request.scope.get("root_path", "") or ""

    def can_write(request: Request) -> bool:
        return cfg.enabled and auth.reviewer(request) is not None

    def review_view(request: Request, record: dict[str, Any]) -> dict[str, Any]:
        rev = document_review(rt.store, record["id"], record=record)
        state = rev["state"]
        tasks = sorted(set((record.get("labels") or {}).keys()) | {"narratives", "subnarratives"})
        span_tasks = sorted({s.get("analyzer") or "" for s in record.get("spans") or []} - {""}) or ["techniques"]
        return {
            "enabled": cfg.enabled,
            "can_write": can_write(request),
            "reviewer": auth.reviewer(request),
            "needs_login": cfg.enabled and auth.reviewer(request) is None,
            "csrf": auth.csrf(request),
            "doc_id": record["id"],
            "action": f"{base_of(request)}/review/documents/{quote(record['id'], safe='')}",
            "login": f"{base_of(request)}/review/login?" + urlencode({"next": f"{base_of(request)}/documents/{quote(record['id'], safe='')}?format=html"}),
            "state": state,
            "corrections": rev["corrections"][-20:][::-1],
            "n_corrections": len(rev["corrections"]),
            "tasks": tasks,
            "span_tasks": span_tasks,
            "options": options,
            "text_length": len((record.get("document") or {}).get("text") or ""),
            "spans": model_spans(record, state),
        }

    def review_json(record: dict[str, Any]) -> dict[str, Any]:
        rev = document_review(rt.store, record["id"], record=record)
        return {**record, "review": {"corrections": len(rev["corrections"]), "state": rev["state"]}}

    review_view.json = review_json  # type: ignore[attr-defined]

    # -- reading -------------------------------------------------------------------------------
    @app.get("/review", tags=["review"], summary="Review queue (most uncertain first) and progress per source", response_model=None)
    def queue(
        request: Request,
        source: str | None = Query(None, max_length=500),
        limit: int = Query(25, ge=1, le=200),
        offset: int = Query(0, ge=0),
        include_reviewed: bool = Query(False),
        format: str | None = Query(None, pattern="^(json|html)$"),
    ):
        """``{queue: [{id, title, source, margin, ...}], progress: {sources, total}}``: documents whose
        labels score nearest the decision threshold first; unreviewed only unless ``include_reviewed``."""
        from .app import wants_html

        rows = review_queue(rt.store, source=source or None, limit=limit, offset=offset, include_reviewed=include_reviewed)
        progress = review_progress(rt.store)
        if not wants_html(request):
            return json_response({"queue": rows, "progress": progress, "limit": limit, "offset": offset})
        params = {k: v for k, v in (("source", source), ("include_reviewed", "true" if include_reviewed else None)) if v}
        base = base_of(request)
        nxt = f"{base}/review?{urlencode(dict(params, offset=offset + limit))}" if len(rows) == limit else None
        prev = f"{base}/review?{urlencode(dict(params, offset=max(0, offset - limit)))}" if offset else None
        return render(request, "review_queue.html", page="review", rows=rows, progress=progress, source=source,
                      sources=[r["source"] for r in progress["sources"] if r["source"]], include_reviewed=include_reviewed,
                      next_url=nxt, prev_url=prev, review_enabled=cfg.enabled, reviewer=auth.reviewer(request),
                      csrf=auth.csrf(request), offset=offset)

    @app.get("/review/progress", tags=["review"], summary="Review progress per source")
    def progress():
        return json_response(review_progress(rt.store))

    @app.get("/review/documents/{doc_id}", tags=["review"], summary="A document's corrections and reviewed state")
    def show(doc_id: str):
        """``{id, corrections: [...oldest first], state: {labels, spans, roles, ...}}``."""
        return json_response(document_review(rt.store, doc_id))

    # -- writing -------------------------------------------------------------------------------
    @app.post(
        "/review/documents/{doc_id}", tags=["review"], summary="Add corrections (reviewer token, or loopback)",
        status_code=201, response_model=None,
        openapi_extra={"security": [{"bearer": []}], "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"description": "{\"reviewer\": NAME, \"corrections\": [{kind: label|span|role, "
                                            "action: accept|reject|add|set, task, label, start, end, entity, fine_roles, note}]} "
                                            "or one correction object"}},
            "application/x-www-form-urlencoded": {"schema": {"description": "the article page's forms (csrf field required)"}},
        }}},
    )
    async def post(request: Request, doc_id: str):
        from .app import is_json, parse_json, read_body

        auth.check_enabled()
        body = await read_body(request, MAX_FORM_BYTES * 16, "body")
        if is_json(request):
            auth.same_origin(request)
            if not auth.bearer_ok(request) and not auth.local(request):
                raise AuthError("a reviewer token is required", where="Authorization header",
                                hint=f"send 'Authorization: Bearer <{REVIEW_TOKEN_ENV}>'")
            payload = parse_json(body, "body")
            if isinstance(payload, dict) and "corrections" in payload:
                items, reviewer = payload["corrections"], payload.get("reviewer")
            elif isinstance(payload, dict):
                items, reviewer = [payload], payload.get("reviewer")
            else:
                items, reviewer = payload, None
            if not isinstance(items, list):
                raise InputError("'corrections' must be a list", where="body.corrections")
            reviewer = reviewer or auth.reviewer(request) or "api"
            out = await run_in_threadpool(add_corrections, rt.store, doc_id, items, reviewer=str(reviewer))
            rt.invalidate()
            return json_response(out, status=201)
        # a browser form
        auth.same_origin(request)
        f = _form(body)
        if not hmac.compare_digest(str(f.get("csrf", "")), auth.csrf(request)):
            raise CSRFError("the form's csrf token is missing or stale", where="csrf", hint="reload the page and try again")
        reviewer = auth.reviewer(request)
        if reviewer is None:
            raise AuthError("log in as a reviewer first", where="review", hint="open /review/login")
        await run_in_threadpool(add_corrections, rt.store, doc_id, [_form_item(f)], reviewer=reviewer)
        rt.invalidate()
        default = f"{base_of(request)}/documents/{quote(doc_id, safe='')}?format=html"
        return RedirectResponse(_safe_next(base_of(request), f.get("next"), default) + "#review", status_code=303)

    @app.get("/review/login", tags=["review"], summary="Reviewer login form (HTML)", response_model=None)
    def login_form(request: Request, next: str | None = Query(None, max_length=2000)):
        auth.check_enabled()
        return render(request, "review_login.html", page="review", need_token=bool(cfg.token), csrf=auth.csrf(request),
                      next=_safe_next(base_of(request), next, f"{base_of(request)}/review"), reviewer=auth.reviewer(request),
                      default_reviewer=cfg.default_reviewer)

    @app.post("/review/login", tags=["review"], summary="Set the reviewer cookie (form: name, token, csrf)", response_model=None)
    async def login(request: Request):
        from .app import read_body

        auth.check_enabled()
        auth.same_origin(request)
        f = _form(await read_body(request, MAX_FORM_BYTES, "body"))
        if not hmac.compare_digest(str(f.get("csrf", "")), auth.csrf(request)):
            raise CSRFError("the form's csrf token is missing or stale", where="csrf", hint="reload the page and try again")
        if cfg.token:
            if not hmac.compare_digest(str(f.get("token", "")).encode("utf-8"), cfg.token.encode("utf-8")):
                raise AuthError("the reviewer token is wrong", where="token", hint=f"use the server's {REVIEW_TOKEN_ENV}")
        elif not auth.local(request):
            raise AuthError("without a reviewer token, review works only on loopback", where="review")
        name = " ".join(str(f.get("reviewer", "")).split())[:100]
        if not name:
            raise InputError("reviewer must be a non-empty name", where="reviewer")
        resp = RedirectResponse(_safe_next(base_of(request), f.get("next"), f"{base_of(request)}/review"), status_code=303)
        resp.set_cookie(COOKIE, auth.sign(name), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=30 * 24 * 3600)
        return resp

    return review_view
