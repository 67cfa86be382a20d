"""Server-rendered HTML for the catchers' pages. Everything shown is escaped; mail HTML is shown
in a sandboxed iframe (no scripts, no same-origin), so a message can never run code here."""

from __future__ import annotations

from html import escape

REFRESH_SECONDS = 5

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
nav a { margin-right: 1rem; } .empty { color: #777; }
article { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: 8rem 1fr; margin: 0; } dt { color: #666; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
iframe { width: 100%; height: 20rem; border: 1px solid #ddd; }
"""


def _page(title: str, count: int, items: list[str]) -> str:
    body = "\n".join(items) or '<p class="empty">Nothing received yet.</p>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>{escape(title)} ({count})</title><style>{_STYLE}</style></head>
<body><nav><a href="/">Mail</a><a href="/sms">SMS</a>
<a href="/api/mail">/api/mail</a><a href="/api/sms">/api/sms</a></nav>
<h1>{escape(title)} ({count})</h1>
<p class="empty">Newest first; this page refreshes every {REFRESH_SECONDS} seconds.</p>
{body}</body></html>"""


def _fields(pairs: list[tuple[str, object]]) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in pairs)
    return f"<dl>{rows}</dl>"


def render_mail(messages: list[dict]) -> str:
    items = []
    for m in messages:
        parts = [
            f"<h2>#{m['id']} {escape(m.get('subject') or '(no subject)')}</h2>",
            _fields(
                [
                    ("received", m.get("received_at")),
                    ("from", m.get("mail_from")),
                    ("to", ", ".join(m.get("rcpt_tos") or [])),
                ]
            ),
        ]
        if m.get("text"):
            parts.append(f"<h3>Text</h3><pre>{escape(m['text'])}</pre>")
        if m.get("html"):
            # srcdoc is an attribute: escape() quotes it; sandbox="" denies scripts and forms.
            parts.append(f'<h3>HTML</h3><iframe sandbox="" srcdoc="{escape(m["html"])}"></iframe>')
        parts.append(
            f"<details><summary>Raw</summary><pre>{escape(m.get('raw') or '')}</pre></details>"
        )
        items.append(f"<article>{''.join(parts)}</article>")
    return _page("Mail", len(messages), items)


def render_sms(messages: list[dict]) -> str:
    items = [
        f"<article><h2>#{m['id']} to {escape(str(m.get('to')))}</h2>"
        + _fields(
            [
                ("received", m.get("received_at")),
                ("from", m.get("from")),
                ("sid", m.get("sid")),
                ("status", m.get("status")),
            ]
        )
        + f"<pre>{escape(m.get('body') or '')}</pre></article>"
        for m in messages
    ]
    return _page("SMS", len(messages), items)
