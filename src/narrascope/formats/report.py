"""A readable account of one or more analysed articles: the view the article page and the report share.

:func:`article_view` turns an ``Analysis`` dict into plain data an analyst reads (human label
names and definitions from the taxonomies, evidence sentences, who said what, entities with roles,
claims with dates, techniques); :func:`render_report` writes it as Markdown or as one
self-contained HTML file (inline CSS, no script, no external asset, a CSP that forbids both).

Nothing here knows about HTTP or the CLI; ``narrascope report`` and the article page's download
are adapters over :func:`write_report`.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from ..errors import ConfigError
from ..labels import LabelCatalog, default_catalog

REPORT_FORMATS = ("html", "md")


def _f(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _span(d: Any, text: str) -> dict[str, Any] | None:
    """``{start, end, text}`` from a span-like dict; the text re-read from the document."""
    if not isinstance(d, dict):
        return None
    try:
        s, e = int(d["start"]), int(d["end"])
    except (KeyError, TypeError, ValueError):
        return None
    s, e = max(0, s), min(len(text), e)
    if s >= e:
        return None
    return {"start": s, "end": e, "text": text[s:e]}


def _sentence_at(doc: dict[str, Any], start: int) -> dict[str, Any] | None:
    text = doc.get("text") or ""
    for pair in doc.get("sentences") or []:
        try:
            s, e = int(pair[0]), int(pair[1])
        except (TypeError, ValueError, IndexError):
            continue
        if s <= start < e:
            return {"start": s, "end": e, "text": text[s:e]}
    return None


def _labels(analysis: dict[str, Any], task: str, text: str, cat: LabelCatalog) -> list[dict[str, Any]]:
    out = []
    for i, lab in enumerate((analysis.get("labels") or {}).get(task) or []):
        lid = str(lab.get("label"))
        info = cat.get(lid)
        ev = [sp for sp in (_span(e, text) for e in lab.get("evidence") or []) if sp]
        out.append({"task": task, "index": i, "id": lid, "name": info.name, "definition": info.definition,
                    "score": _f(lab.get("score")), "evidence": ev, "parent": info.parent})
    out.sort(key=lambda r: (-(r["score"] or 0.0), r["name"]))
    return out


def article_view(analysis: dict[str, Any], catalog: LabelCatalog | None = None) -> dict[str, Any]:
    """Everything a reader needs from one ``Analysis.to_dict()``, as plain data (see the module doc)."""
    cat = catalog or default_catalog()
    doc = analysis.get("document") or {}
    text = doc.get("text") or ""
    data = analysis.get("data") or {}
    labels = analysis.get("labels") or {}

    narratives = _labels(analysis, "narratives", text, cat)
    subs = _labels(analysis, "subnarratives", text, cat)
    for n in narratives:
        n["subnarratives"] = [s for s in subs if s["parent"] == n["id"]]
    orphans = [s for s in subs if s["parent"] not in {n["id"] for n in narratives}]
    expl = data.get("explanation") if isinstance(data.get("explanation"), dict) else None
    explanation = None
    if expl:
        explanation = {
            "narrative": expl.get("narrative"), "narrative_name": cat.name(expl.get("narrative")),
            "subnarrative": expl.get("subnarrative"),
            "subnarrative_name": cat.name(expl.get("subnarrative")) if expl.get("subnarrative") else None,
            "text": str(expl.get("text") or ""),
            "evidence": [sp for sp in (_span(e, text) for e in expl.get("evidence") or []) if sp],
        }

    quotes = []
    for q in data.get("quotes") or []:
        if not isinstance(q, dict):
            continue
        content = _span(q.get("content"), text)
        if content is None:
            continue
        sp = q.get("speaker") if isinstance(q.get("speaker"), dict) else None
        ent = q.get("speaker_entity")
        speaker = ent or (" ".join(str(sp.get("text", "")).split()) if sp else None) or "(unknown)"
        via = None
        if sp and ent and q.get("resolved_by") in ("pronoun", "role-noun"):
            via = " ".join(str(sp.get("text", "")).split())
        quotes.append({
            "id": str(q.get("id") or ""), "kind": q.get("kind") or "", "speaker": speaker, "speaker_via": via,
            "speaker_span": _span(sp, text) if sp else None,
            "cue": (_span(q.get("cue"), text) or {}).get("text"), "content": content,
        })

    entities = []
    for e in data.get("entities") or []:
        if not isinstance(e, dict) or not e.get("main_role"):
            continue
        mentions = [m for m in (_span(x, text) for x in e.get("mentions") or []) if m]
        ev = [sp for sp in (_span(x, text) for x in e.get("evidence") or []) if sp]
        sentence = ev[0] if ev else (_sentence_at(doc, mentions[0]["start"]) if mentions else None)
        role = str(e.get("main_role"))
        fine = []
        for fr in e.get("fine_roles") or []:
            rid = fr.get("role") if isinstance(fr, dict) else fr
            if rid:
                fine.append({"id": str(rid), "name": cat.name(str(rid)), "definition": cat.definition(str(rid)),
                             "score": _f(fr.get("score")) if isinstance(fr, dict) else None})
        entities.append({
            "name": str(e.get("name") or ""), "type": e.get("type"), "role": role, "role_name": cat.name(role),
            "role_definition": cat.definition(role), "score": _f(e.get("main_role_score")), "fine_roles": fine,
            "sentence": sentence, "mentions": len(mentions), "first": mentions[0] if mentions else None,
        })
    entities.sort(key=lambda r: (-(r["score"] or 0.0), r["name"]))
    other_entities = sum(1 for e in data.get("entities") or [] if isinstance(e, dict) and not e.get("main_role"))

    claims = []
    for c in data.get("claims") or []:
        if not isinstance(c, dict):
            continue
        sent = _span(c.get("sentence"), text)
        if sent is None:
            continue
        claims.append({
            "id": str(c.get("id") or ""), "sentence": sent, "score": _f(c.get("score")),
            "dates": [{"text": str(d.get("text") or ""), "iso": d.get("iso")} for d in c.get("dates") or [] if isinstance(d, dict)],
            "figures": [str(x.get("text") or "") for k in ("money", "percentages", "numbers") for x in c.get(k) or [] if isinstance(x, dict)],
        })
    claims.sort(key=lambda r: -(r["score"] or 0.0))

    techniques = _labels(analysis, "techniques", text, cat)
    frames = _labels(analysis, "frames", text, cat)
    genre = _labels(analysis, "genre", text, cat)
    other_tasks = sorted(t for t in labels if t not in {"narratives", "subnarratives", "techniques", "frames", "genre"})
    others = [{"task": t, "labels": _labels(analysis, t, text, cat)} for t in other_tasks]

    subj = data.get("subjectivity") if isinstance(data.get("subjectivity"), dict) else None
    lang = analysis.get("language")
    if isinstance(lang, dict):
        lang = lang.get("language")
    if not lang and isinstance(data.get("language"), dict):
        lang = data["language"].get("language")
    return {
        "id": doc.get("id"),
        "title": doc.get("title") or (text.strip().split("\n", 1)[0][:160] if text.strip() else "(untitled)"),
        "source": doc.get("source"),
        "published": doc.get("published"),
        "url": doc.get("url"),
        "language": lang or doc.get("language"),
        "chars": len(text),
        "text": text,
        "genre": genre[0] if genre else None,
        "narratives": narratives,
        "orphan_subnarratives": orphans,
        "explanation": explanation,
        "quotes": quotes,
        "entities": entities,
        "other_entities": other_entities,
        "claims": claims,
        "techniques": techniques,
        "frames": frames,
        "other_labels": others,
        "subjectivity": subj,
        "summary": _summary(narratives, quotes, entities, claims, techniques, genre),
    }


def _summary(narratives, quotes, entities, claims, techniques, genre) -> str:
    bits = []
    if genre:
        bits.append(f"Reads as {genre[0]['name'].lower()}")
    if narratives:
        bits.append(f"main narrative: {narratives[0]['name']} ({narratives[0]['score'] or 0:.2f})")
    else:
        bits.append("no narrative found")
    speakers = sorted({q["speaker"] for q in quotes if q["speaker"] != "(unknown)"})
    bits.append(f"{len(quotes)} quote{'s' if len(quotes) != 1 else ''}" + (f" from {len(speakers)} speaker{'s' if len(speakers) != 1 else ''}" if speakers else ""))
    bits.append(f"{len(entities)} entit{'ies' if len(entities) != 1 else 'y'} with a role")
    bits.append(f"{len(techniques)} persuasion technique{'s' if len(techniques) != 1 else ''}")
    bits.append(f"{len(claims)} check-worthy claim{'s' if len(claims) != 1 else ''}")
    return "; ".join(bits) + "."


# -- rendering ------------------------------------------------------------------------------------
def _score(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def _md(s: Any) -> str:
    """Markdown-escaped inline text (no HTML, links or emphasis can come from an article)."""
    return " ".join(str(s).split()).translate(_MD_SPECIAL)


def render_markdown(views: list[dict[str, Any]], *, title: str | None = None) -> str:
    out = [f"# {_md(title or _default_title(views))}", "",
           f"_Narrascope {__version__} · {len(views)} article{'s' if len(views) != 1 else ''} · generated {_now()}. "
           "Scores are model confidences (0–1), not verdicts: read the evidence._", ""]
    for v in views:
        out += [f"## {_md(v['title'])}", ""]
        meta = [x for x in (v["source"], (v["published"] or "")[:10], v["language"], v["url"]) if x]
        if meta:
            out += [" · ".join(_md(m) for m in meta), ""]
        out += [f"**Summary.** {_md(v['summary'])}", ""]
        out += ["### Narratives", ""]
        if not v["narratives"]:
            out += ["No narrative found.", ""]
        for n in v["narratives"]:
            out += [f"- **{_md(n['name'])}** ({_score(n['score'])}) — {_md(n['definition'] or '')}".rstrip(" —")]
            for s in n["subnarratives"]:
                out += [f"  - {_md(s['name'])} ({_score(s['score'])})"]
            for e in n["evidence"][:3]:
                out += [f"  > {_md(e['text'])}"]
        if v["explanation"] and v["explanation"]["text"]:
            out += ["", f"**Why {_md(v['explanation']['narrative_name'])}?** {_md(v['explanation']['text'])}"]
        out += ["", "### Who said what", ""]
        if v["quotes"]:
            out += ["| Speaker | Cue | Quote |", "|---|---|---|"]
            for q in v["quotes"]:
                sp = _md(q["speaker"]) + (f" (“{_md(q['speaker_via'])}”)" if q["speaker_via"] else "")
                quote = _md(q["content"]["text"])
                if q["kind"] == "direct":
                    quote = f"“{quote}”"
                out += [f"| {sp} | {_md(q['cue'] or '–')} | {quote} |"]
        else:
            out += ["No quotes found."]
        out += ["", "### Entities and roles", ""]
        if v["entities"]:
            out += ["| Entity | Role | Score | Sentence |", "|---|---|---|---|"]
            for e in v["entities"]:
                fine = ", ".join(_md(f["name"]) for f in e["fine_roles"])
                role = _md(e["role_name"]) + (f" ({fine})" if fine else "")
                out += [f"| {_md(e['name'])} | {role} | {_score(e['score'])} | {_md((e['sentence'] or {}).get('text', ''))} |"]
        else:
            out += ["No entity with a role."]
        out += ["", "### Persuasion techniques", ""]
        for t in v["techniques"]:
            out += [f"- **{_md(t['name'])}** ({_score(t['score'])}) — {_md(t['definition'] or '')}".rstrip(" —")]
            for e in t["evidence"][:2]:
                out += [f"  > {_md(e['text'])}"]
        if not v["techniques"]:
            out += ["No technique found."]
        out += ["", "### Check-worthy claims", ""]
        for c in v["claims"]:
            dates = ", ".join(f"{_md(d['text'])} = {_md(d['iso'] or '?')}" for d in c["dates"])
            out += [f"- ({_score(c['score'])}) {_md(c['sentence']['text'])}" + (f" _[dates: {dates}]_" if dates else "")]
        if not v["claims"]:
            out += ["No check-worthy claim found."]
        out += [""]
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font:15px/1.55 Georgia,"DejaVu Serif",serif;color:#1d1f23;background:#fff;max-width:920px;margin:24px auto;padding:0 20px}
h1{font:700 24px system-ui,sans-serif}h2{font:700 20px system-ui,sans-serif;border-top:3px solid #1d1f23;padding-top:12px;margin-top:36px}
h3{font:600 13px system-ui,sans-serif;text-transform:uppercase;letter-spacing:.06em;color:#555;border-bottom:1px solid #ddd;padding-bottom:2px;margin-top:22px}
.meta,.note,.def,.score{font:13px system-ui,sans-serif;color:#555}.summary{background:#f5f3ee;padding:8px 12px;border-left:4px solid #0072B2}
blockquote{margin:4px 0 4px 14px;padding-left:10px;border-left:3px solid #E69F00;color:#333}
table{border-collapse:collapse;width:100%;font:13px/1.45 system-ui,sans-serif}th,td{text-align:left;vertical-align:top;padding:5px 6px;border-bottom:1px solid #e3e0d8}
th{color:#555;font-weight:600}.name{font-weight:600}li{margin-bottom:6px}.id{font:11px ui-monospace,monospace;color:#777}
"""
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_html(views: list[dict[str, Any]], *, title: str | None = None) -> str:
    """One self-contained HTML page: inline CSS, no script, no external asset; everything escaped."""
    e = html.escape
    title = title or _default_title(views)
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_REPORT_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="note">Narrascope {e(__version__)} · {len(views)} article{"s" if len(views) != 1 else ""} · generated {e(_now())}. '
        "Scores are model confidences between 0 and 1, not verdicts: read the evidence.</p>",
    ]
    for v in views:
        meta = " · ".join(e(str(m)) for m in (v["source"], (v["published"] or "")[:10], v["language"]) if m)
        parts += [f'<section class="article"><h2>{e(v["title"])}</h2>', f'<p class="meta">{meta}'
                  + (f' · <span class="id">{e(v["url"])}</span>' if v["url"] else "") + "</p>",
                  f'<p class="summary">{e(v["summary"])}</p>', "<h3>Narratives</h3>"]
        if v["narratives"]:
            parts.append("<ul>")
            for n in v["narratives"]:
                parts.append(f'<li><span class="name" title="{e(n["id"])}">{e(n["name"])}</span> <span class="score">{_score(n["score"])}</span>'
                             + (f'<div class="def">{e(n["definition"])}</div>' if n["definition"] else ""))
                if n["subnarratives"]:
                    parts.append('<div class="def">Sub-narratives: ' + "; ".join(
                        f'<span title="{e(s["id"])}">{e(s["name"])}</span> ({_score(s["score"])})' for s in n["subnarratives"]) + "</div>")
                parts += [f"<blockquote>{e(x['text'])}</blockquote>" for x in n["evidence"][:3]]
                parts.append("</li>")
            parts.append("</ul>")
        else:
            parts.append("<p>No narrative found.</p>")
        if v["explanation"] and v["explanation"]["text"]:
            parts.append(f'<p><strong>Why “{e(v["explanation"]["narrative_name"])}”?</strong> {e(v["explanation"]["text"])}</p>')
        parts.append("<h3>Who said what</h3>")
        if v["quotes"]:
            parts.append("<table><thead><tr><th>Speaker</th><th>Cue</th><th>Quote</th></tr></thead><tbody>")
            for q in v["quotes"]:
                quote = e(q["content"]["text"])
                if q["kind"] == "direct":
                    quote = f"“{quote}”"
                via = f' <span class="note">(“{e(q["speaker_via"])}”)</span>' if q["speaker_via"] else ""
                parts.append(f"<tr><td>{e(q['speaker'])}{via}</td><td>{e(q['cue'] or '–')}</td><td>{quote}</td></tr>")
            parts.append("</tbody></table>")
        else:
            parts.append("<p>No quotes found.</p>")
        parts.append("<h3>Entities and roles</h3>")
        if v["entities"]:
            parts.append("<table><thead><tr><th>Entity</th><th>Role</th><th>Score</th><th>The sentence that shows it</th></tr></thead><tbody>")
            for en in v["entities"]:
                fine = ", ".join(f'<span title="{e(f["definition"] or f["id"])}">{e(f["name"])}</span>' for f in en["fine_roles"])
                parts.append(f'<tr><td class="name">{e(en["name"])}</td><td><span title="{e(en["role_definition"] or en["role"])}">{e(en["role_name"])}</span>'
                             + (f'<div class="def">{fine}</div>' if fine else "")
                             + f'</td><td>{_score(en["score"])}</td><td>{e((en["sentence"] or {}).get("text", ""))}</td></tr>')
            parts.append("</tbody></table>")
        else:
            parts.append("<p>No entity with a role.</p>")
        parts.append("<h3>Persuasion techniques</h3>")
        if v["techniques"]:
            parts.append("<ul>")
            for t in v["techniques"]:
                parts.append(f'<li><span class="name" title="{e(t["id"])}">{e(t["name"])}</span> <span class="score">{_score(t["score"])}</span>'
                             + (f'<div class="def">{e(t["definition"])}</div>' if t["definition"] else "")
                             + "".join(f"<blockquote>{e(x['text'])}</blockquote>" for x in t["evidence"][:2]) + "</li>")
            parts.append("</ul>")
        else:
            parts.append("<p>No technique found.</p>")
        parts.append("<h3>Check-worthy claims</h3>")
        if v["claims"]:
            parts.append("<table><thead><tr><th>Score</th><th>Claim</th><th>Dates</th></tr></thead><tbody>")
            for c in v["claims"]:
                dates = "; ".join(f"{e(d['text'])} = {e(d['iso'] or '?')}" for d in c["dates"])
                parts.append(f"<tr><td>{_score(c['score'])}</td><td>{e(c['sentence']['text'])}</td><td>{dates}</td></tr>")
            parts.append("</tbody></table>")
        else:
            parts.append("<p>No check-worthy claim found.</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _default_title(views: list[dict[str, Any]]) -> str:
    if len(views) == 1:
        return f"Narrascope report: {views[0]['title']}"
    return f"Narrascope report: {len(views)} articles"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render_report(analyses: Iterable[dict[str, Any]], fmt: str = "html", *, title: str | None = None,
                  catalog: LabelCatalog | None = None) -> str:
    """The report for ``analyses`` (``Analysis.to_dict()`` dicts) as ``html`` or ``md`` text."""
    if fmt not in REPORT_FORMATS:
        raise ConfigError(f"report format must be one of {', '.join(REPORT_FORMATS)}, got {fmt!r}",
                          hint="write to a file ending in .html or .md, or pass --format")
    views = [article_view(a, catalog) for a in analyses]
    return render_html(views, title=title) if fmt == "html" else render_markdown(views, title=title)


def report_format_for(path: str | Path) -> str:
    """``html`` for ``.html``/``.htm``, ``md`` for ``.md``/``.markdown``; a ConfigError otherwise."""
    suffix = Path(str(path)).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "md"
    raise ConfigError(f"cannot tell the report format from {str(path)!r}", where="--output",
                      hint="name the file .html or .md, or pass --format html|md")


__all__ = ["REPORT_FORMATS", "article_view", "render_html", "render_markdown", "render_report", "report_format_for"]


def write_report(analyses: Iterable[dict[str, Any]], output: str | Path, fmt: str | None = None, *,
                 title: str | None = None) -> int:
    """Write the report for ``analyses`` to ``output`` (format from ``fmt`` or the file suffix,
    atomically); returns the number of articles in it."""
    from . import atomic_output

    fmt = fmt or report_format_for(output)
    items = list(analyses)
    text = render_report(items, fmt, title=title)
    with atomic_output(output) as fh:
        fh.write(text)
    return len(items)
