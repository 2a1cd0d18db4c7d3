"""How the workspace shows a held comment: the text as typed, matched spans highlighted."""
from __future__ import annotations

from flask_babel import get_locale
from markupsafe import Markup, escape

from engage.domain.moderation.reasons import reason_text
from engage.web.moderation.views import bp


@bp.app_template_filter("highlight_spans")
def highlight_spans(text: str, reasons: list[dict]) -> Markup:
    """The comment's stored text, escaped, with every reason's spans wrapped in ``<mark>``.

    Spans are code-point offsets into the stored text (the pipeline's contract); overlapping
    or out-of-range spans are merged or clipped, so a bad span can never break the markup.
    """
    spans = sorted((max(0, s), min(len(text), e)) for r in reasons or ()
                   for s, e in r.get("spans", ()) if e > s)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    out, position = [], 0
    for start, end in merged:
        out.append(escape(text[position:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


@bp.app_template_filter("reason_label")
def reason_label(code: str) -> str:
    """The reason's text in the workspace's language (Vietnamese unless ``?lang=en``)."""
    return reason_text(code, str(get_locale()))
