"""What the tokenizer widget shows for a text: one record per token, ready to draw.

This file runs in two places: in CPython, where :mod:`llmsite.site.widgets` uses it to prerender
the widget's first result into the page at build time, and in Pyodide, in the reader's
browser, where the widget's Web Worker calls :func:`view_json` for every edit. Both draw
from the same records, so the page looks the same before and after Python has loaded.
Standard library only; it imports nothing from ``llmsite`` except through the tokenizer it
is handed.

A record says, for a token, its id and its *label*: what the reader sees on the token's
chip. The label is made from the token's own bytes, split into runs:

* ``"t"``: ordinary text;
* ``"w"``: white space and control characters, drawn as visible markers
  (space ``␣``, newline ``↵``, tab ``→``, carriage return ``␍``, other C0 controls as
  their Unicode "control pictures" such as ``␀``);
* ``"b"``: bytes that are not a whole UTF-8 character on their own, in hex (``F0 9F``).
  An emoji is often split over two or three tokens like that.
"""

from __future__ import annotations

import json

__all__ = ["view", "view_json", "label_runs", "MARKERS", "PALETTE_SIZE"]

#: how many colours the palette has; a token's colour is ``id % PALETTE_SIZE``
PALETTE_SIZE = 8

#: visible stand-ins for white space and control characters
MARKERS = {" ": "\u2423", "\n": "\u21b5", "\t": "\u2192", "\r": "\u240d", "\x7f": "\u2421"}


def _marker(ch: str) -> str | None:
    """The visible stand-in for ``ch``, or None if ``ch`` is drawn as it is."""
    m = MARKERS.get(ch)
    if m is not None:
        return m
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)  # U+2400 CONTROL PICTURES: NUL -> ␀ ...
    if ch.isspace() or 0x80 <= o < 0xA0:
        return "\u2423"  # no-break space, ideographic space, C1 controls ...
    return None


def label_runs(data: bytes) -> list[list[str]]:
    """The label of a token whose bytes are ``data``, as ``[kind, text]`` runs."""
    runs: list[list[str]] = []

    def add(kind: str, text: str) -> None:
        if runs and runs[-1][0] == kind:
            runs[-1][1] += (" " if kind == "b" else "") + text
        else:
            runs.append([kind, text])

    # surrogateescape turns each byte that is not part of a whole character into a lone
    # surrogate U+DC80..U+DCFF, which we show as the byte in hex
    for ch in data.decode("utf-8", "surrogateescape"):
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:
            add("b", f"{o - 0xDC00:02X}")
        else:
            m = _marker(ch)
            if m is None:
                add("t", ch)
            else:
                add("w", m)
    return runs


def view(tok, text: str) -> dict:
    """The widget's records for ``text``, tokenized by ``tok`` (an ``llmsite.tokenizer``
    ``Tokenizer``).

    Returns ``{"chars": code points, "count": tokens, "tokens": [...]}`` where each token is
    ``[id, runs, bytes in hex, flags]``; ``flags`` holds ``"s"`` for a special token, ``"n"``
    when the token ends a line (its bytes hold a newline) and ``"p"`` when it holds part of
    a character; then a fifth item is the text the token came from (the whole character).
    """
    specials = tok.special_ids
    out = []
    seen: dict[int, list] = {}
    for tid, start, end in tok.encode_with_offsets(text):
        rec = seen.get(tid)
        if rec is None:
            data = tok.token_bytes(tid)
            flags = ("s" if tid in specials else "") + ("n" if b"\n" in data else "")
            runs = [["t", data.decode("utf-8")]] if "s" in flags else label_runs(data)
            if any(kind == "b" for kind, _ in runs):
                out.append([tid, runs, data.hex(" ").upper(), flags + "p", text[start:end]])
                continue
            rec = seen[tid] = [tid, runs, data.hex(" ").upper(), flags]
        out.append(rec)
    return {"chars": len(text), "count": len(out), "tokens": out}


def view_json(tok, text: str) -> str:
    """:func:`view` as compact JSON (what the Web Worker posts to the page)."""
    return json.dumps(view(tok, text), ensure_ascii=False, separators=(",", ":"))
