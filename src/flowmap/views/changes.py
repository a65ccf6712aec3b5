"""``flowmap diff`` for people: a plain-text table and Markdown.

Both list at most ``limit`` rows per section (the JSON lists all) and say how
many they left out.  Markdown escapes every value from the data, so a name
cannot inject links, HTML or table cells.
"""

from __future__ import annotations

from ..diff import Diff
from .markdown import md_escape
from .words import clean

LABELS = {"nodes": "Nodes", "edges": "Edges", "sources": "Sources", "jurisdictions": "Jurisdictions",
          "designations": "Designations"}


def _label(row: dict, table: str) -> str:
    if table == "edges":
        return f"{row.get('from_name') or row.get('from', '')} → {row.get('to_name') or row.get('to', '')}"
    return row.get("name") or row.get("title") or ""


def _change_text(change: dict) -> str:
    return "; ".join(f"{col}: {clean(v['old']) or '(empty)'} → {clean(v['new']) or '(empty)'}"
                     for col, v in change["columns"].items())


def _route_text(route: dict) -> str:
    return " → ".join(n["name"] for n in route["nodes"])


def _sections(d: Diff):
    """(title, lines as (id, text)) for each part of the diff, in reading order."""
    answers = d.answers
    yield ("Answers", None)
    if "note" in answers:
        yield (answers["note"][0].upper() + answers["note"][1:] + ".", None)
        answers = None
    yield from _answer_sections(answers)
    yield from _table_sections(d)


def _answer_sections(answers: dict | None):
    if answers is None:
        return
    target = answers["target"]["name"]
    yield (f"Reach {target}: {answers['reach_before']} before, {answers['reach_after']} after", None)
    for key, title in (("newly_reach", f"Newly reach {target}"), ("no_longer_reach", f"No longer reach {target}"),
                       ("newly_exposed", "Under a sanctuary law or designation, newly exposed"),
                       ("no_longer_exposed", "Under a sanctuary law or designation, no longer exposed")):
        rows = answers[key]
        yield (f"{title} ({len(rows)})", [(r["id"], r["name"] + (f" — {r['law']}" if r.get("law") else ""))
                                          for r in rows])
    rows = answers["shortest_changed"]
    yield (f"Shortest route changed ({len(rows)})",
           [(r["id"], f"{_route_text(r['old'])}  ⇒  {_route_text(r['new'])}") for r in rows])


def _table_sections(d: Diff):
    for name, table in d.tables.items():
        label = LABELS.get(name, name.title())
        yield (f"{label} added ({len(table.added)})", [(r["id"], _label(r, name)) for r in table.added])
        yield (f"{label} removed ({len(table.removed)})", [(r["id"], _label(r, name)) for r in table.removed])
        if table.changed:
            columns = ", ".join(f"{c} {n}" for c, n in table.columns_changed.items())
            yield (f"{label} changed ({len(table.changed)}; by column: {columns})",
                   [(r["id"], f"{_label(r, name)}: {_change_text(r)}") for r in table.changed])
        if name == "nodes" and table.renamed:
            yield (f"{label} renamed ({len(table.renamed)})",
                   [(r["id"], f"{r['old']} → {r['new']}") for r in table.renamed])
        if name == "edges":
            for key, counts in d.groups.items():
                for side in ("added", "removed"):
                    if counts[side]:
                        yield (f"Edges {side} by {key}", [(k, str(v)) for k, v in counts[side].items()])


def _header(d: Diff) -> list[str]:
    return [f"OLD: {' + '.join(d.old.layers)} (sha256 {d.old.sha256[:12]})",
            f"NEW: {' + '.join(d.new.layers)} (sha256 {d.new.sha256[:12]})"]


def diff_text(d: Diff, limit: int | None = 50) -> str:
    """The diff as plain text for the terminal; empty sections are left out."""
    lines = _header(d)
    for title, rows in _sections(d):
        if rows is None:
            lines += ["", title] if title == "Answers" else [title]
            continue
        if not rows:
            continue
        lines += ["", title]
        shown = rows if limit is None else rows[:limit]
        lines += [f"  {clean(i)}  {clean(t)}" for i, t in shown]
        if len(shown) < len(rows):
            lines.append(f"  … and {len(rows) - len(shown)} more (--limit, or --format json for all)")
    if all(t.empty for t in d.tables.values()):
        lines += ["", "No rows differ."]
    return "\n".join(lines) + "\n"


def diff_markdown(d: Diff, limit: int | None = 50) -> str:
    """The diff as GitHub-flavoured Markdown, one table per non-empty section."""
    lines = ["# What changed", "", *(f"- {md_escape(h)}" for h in _header(d))]
    for title, rows in _sections(d):
        if rows is None:
            lines += ["", f"## {md_escape(title)}"] if title == "Answers" else ["", md_escape(title) + "."]
            continue
        if not rows:
            continue
        lines += ["", f"### {md_escape(title)}", "", "| id | what |", "|---|---|"]
        shown = rows if limit is None else rows[:limit]
        lines += [f"| {md_escape(clean(i))} | {md_escape(clean(t))} |" for i, t in shown]
        if len(shown) < len(rows):
            lines += ["", f"…and {len(rows) - len(shown)} more (`--limit`, or `--format json` for all)."]
    if all(t.empty for t in d.tables.values()):
        lines += ["", "No rows differ."]
    return "\n".join(lines) + "\n"
