"""The ER diagram as inline SVG, for the offline HTML report.

Why not Mermaid in the browser: the report must work offline, so Mermaid's JavaScript would have to be
inlined into every report (several megabytes of minified code, re-parsed on each open) for one
picture. The diagram here is simple enough to lay out directly: one band per domain, entity boxes in a
grid inside it (name, then key columns), and one curve per foreign key from the child's nearest side
to the parent's, ending in an arrow. The Mermaid text is still in the report for those who want it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from dbaudit.model.schema import SchemaModel, Table
from dbaudit.report.context import type_text
from dbaudit.report.erd import MAX_ERD_TABLES, display_name, domains, entities, is_multi_schema, relationships

BOX_W = 260
GAP_X = 40
GAP_Y = 40
HEADER_H = 24
ROW_H = 16
PAD = 20
BAND_LABEL_H = 26
COLUMNS = 4
MAX_ROWS = 8
MAX_CHARS = 36


@dataclass(frozen=True, slots=True)
class _Box:
    x: float
    y: float
    w: float
    h: float

    def anchors(self) -> list[tuple[float, float]]:
        return [
            (self.x + self.w / 2, self.y),
            (self.x + self.w / 2, self.y + self.h),
            (self.x, self.y + self.h / 2),
            (self.x + self.w, self.y + self.h / 2),
        ]


def _rows(table: Table) -> list[str]:
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    rows = []
    for col in table.columns:
        if col.name in pk or col.name in fk_cols:
            keys = "/".join(k for k, on in (("PK", col.name in pk), ("FK", col.name in fk_cols)) if on)
            rows.append(f"{keys} {col.name} {type_text(col)}")
    if len(rows) > MAX_ROWS:
        rows = [*rows[: MAX_ROWS - 1], f"… {len(rows) - MAX_ROWS + 1} more"]
    return rows


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def erd_svg(model: SchemaModel, *, limit: int = MAX_ERD_TABLES) -> str:
    """An ``<svg>`` element (no XML declaration, no external reference) drawing the schema."""
    drawn = {t.qualified_name: t for t in entities(model)[:limit]}
    multi = is_multi_schema(model)
    by_display = {display_name(t, model, multi): t for t in drawn.values()}
    parts: list[str] = []
    boxes: dict[str, _Box] = {}
    y = PAD
    width = PAD * 2 + COLUMNS * BOX_W + (COLUMNS - 1) * GAP_X
    for domain in domains(model):
        members = [by_display[name] for name in domain.tables if name in by_display]
        if not members:
            continue
        band_top = y
        y += BAND_LABEL_H
        for start in range(0, len(members), COLUMNS):
            row = members[start : start + COLUMNS]
            row_h = max(HEADER_H + ROW_H * max(len(_rows(t)), 1) + 8 for t in row)
            for i, table in enumerate(row):
                box_h = HEADER_H + ROW_H * max(len(_rows(table)), 1) + 8
                box = _Box(PAD + i * (BOX_W + GAP_X), y, BOX_W, box_h)
                boxes[table.qualified_name] = box
                parts.append(_entity(table, box, display_name(table, model, multi)))
            y += row_h + GAP_Y
        parts.insert(0, f'<rect class="band" x="{PAD / 2}" y="{band_top}" width="{width - PAD}" '
                        f'height="{y - band_top - GAP_Y / 2}" rx="8"/>'
                        f'<text class="band-label" x="{PAD}" y="{band_top + 18}">'
                        f"{escape(domain.name)}</text>")
    edges = [_edge(boxes[r.child], boxes[r.parent], ", ".join(r.columns))
             for r in relationships(model) if r.child in boxes and r.parent in boxes and r.child != r.parent]
    height = y + PAD
    return (
        f'<svg class="erd" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="entity-relationship diagram">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>'
        + "".join(p for p in parts if p.startswith("<rect class=\"band\""))
        + "".join(edges)
        + "".join(p for p in parts if not p.startswith("<rect class=\"band\""))
        + "</svg>"
    )


def _entity(table: Table, box: _Box, label: str) -> str:
    name = escape(_clip(label))
    out = [
        f'<g class="entity" data-table="{escape(table.qualified_name)}">',
        f'<rect class="box" x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="4"/>',
        f'<rect class="head" x="{box.x}" y="{box.y}" width="{box.w}" height="{HEADER_H}" rx="4"/>',
        f'<text class="name" x="{box.x + 8}" y="{box.y + 16}">{name}</text>',
    ]
    for i, row in enumerate(_rows(table)):
        out.append(f'<text class="col" x="{box.x + 8}" y="{box.y + HEADER_H + 14 + i * ROW_H}">'
                   f"{escape(_clip(row))}</text>")
    out.append("</g>")
    return "".join(out)


def _edge(child: _Box, parent: _Box, label: str) -> str:
    (x1, y1), (x2, y2) = min(
        ((a, b) for a in child.anchors() for b in parent.anchors()),
        key=lambda ab: (ab[0][0] - ab[1][0]) ** 2 + (ab[0][1] - ab[1][1]) ** 2,
    )
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    return (
        f'<path class="rel" d="M {x1} {y1} Q {mx} {y1} {mx} {my} T {x2} {y2}" marker-end="url(#arrow)">'
        f"<title>{escape(label)}</title></path>"
    )


__all__ = ["erd_svg"]
