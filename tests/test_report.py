"""flowmap report: briefs read as a reader would read them.

The HTML is parsed (every footnote referenced exists, every hop has one, every
link is http(s) or an anchor that exists, nothing from the data runs as
markup); the Markdown is checked the same way; and where Chromium is installed
the brief is drawn and printed to PDF as a reader would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

import flowmap
from flowmap import cuts, routes, sanctuary
from flowmap.cli import cli
from flowmap.errors import QueryError
from flowmap.model import Model
from flowmap.views import report

from conftest import EDGES, NODES, SOURCES, write_dataset

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page(HTMLParser):
    """What a reader (or a browser) finds in a page: links, ids, footnote references, hops, elements."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.refs: list[str] = []  # footnote targets referenced in the text
        self.footnotes: list[str] = []  # ids of footnote items
        self.hops: list[list[str]] = []  # per hop, the footnotes it references
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._in_ref = 0
        self._hop_depth = 0
        self._stack: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.attributes += [(k, v or "") for k, v in attrs.items()]
        if tag not in ("br", "meta", "path", "polygon", "ellipse", "polyline", "text", "stop", "img"):
            self._stack.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "xlink:href"):
            if key in attrs:
                self.links.append(attrs[key])
                if attrs[key].startswith("#fn-") and self._in_ref:
                    self.refs.append(attrs[key][1:])
                    if self._hop_depth:
                        self.hops[-1].append(attrs[key][1:])
        if tag == "sup" and "ref" in (attrs.get("class") or ""):
            self._in_ref += 1
        if tag == "li" and "hop" in (attrs.get("class") or "").split():
            self.hops.append([])
            self._hop_depth = len(self._stack)
        if tag == "li" and (attrs.get("id") or "").startswith("fn-"):
            self.footnotes.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "sup" and self._in_ref:
            self._in_ref -= 1
        if self._stack and self._stack[-1] == tag:
            if tag == "li" and self._hop_depth == len(self._stack):
                self._hop_depth = 0
            self._stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def brief(data: Path, out: Path, *args: str) -> str:
    run("--data", str(data), "report", *args, "-o", str(out))
    return out.read_text(encoding="utf-8")


@pytest.fixture
def sfpd_html(tiny, tmp_path) -> str:
    return brief(tiny, tmp_path / "brief.html", "SFPD")


def test_every_footnote_referenced_exists_and_every_hop_has_one(sfpd_html):
    page = Page(sfpd_html)
    assert page.hops, "the brief lists no hop"
    assert all(hop for hop in page.hops), "a hop has no footnote"
    assert set(page.refs) <= set(page.footnotes)
    assert set(page.footnotes) <= set(page.refs), "a footnote nobody cites"
    assert page.footnotes == [f"fn-{i}" for i in range(1, len(page.footnotes) + 1)]
    first_use = list(dict.fromkeys(page.refs))
    assert first_use == page.footnotes  # numbered in the order a reader meets them


def test_every_link_is_http_or_an_anchor_that_exists(sfpd_html):
    page = Page(sfpd_html)
    assert page.links
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids, link
        else:
            assert re.match(r"https?://", link), link


def test_self_contained_no_scripts_nothing_loaded_from_elsewhere(sfpd_html):
    page = Page(sfpd_html)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert not [v for k, v in page.attributes if k == "src"]
    assert "@import" not in sfpd_html and "url(" not in sfpd_html
    assert "@media print" in sfpd_html and "@page" in sfpd_html
    assert "<svg" in sfpd_html  # the diagram, inline


def test_the_brief_says_the_verdict_routes_blocked_firewall_caveats_and_data(sfpd_html, tiny):
    text = " ".join(" ".join(Page(sfpd_html).text).split())
    assert "San Francisco Police Department CAN reach Immigration and Customs Enforcement within 6 hops" in text
    assert "Route 1 (2 hops): San Francisco Police Department → Northern California Regional" in text
    assert "Routes blocked by policy" in text
    assert "Blocked by policy: edge e4 does not carry data from California" in text
    assert "Verified: searching again without the cut channels" in text
    assert "it does not show that one record travelled the whole way" in text
    assert "Filters none: every evidence level" in text
    assert "Source's protection Sanctuary City Ordinance (San Francisco); SB54 (California)" in text
    joined = " ".join("".join(Page(sfpd_html).text).split())
    assert "A Report, Watchdog, 2024-11, p. 3.“NCRIC ran the plate”" in joined
    assert re.search(r"Content hash \(SHA-256 over every file\): [0-9a-f]{64}", text)
    assert "Dated 2024-11 (the newest date in the data" in text
    assert "Made with flowmap " in text


def test_filters_are_stated(tiny, tmp_path):
    html = brief(tiny, tmp_path / "b.html", "SFPD", "--min-evidence", "documented", "--avoid", "vendor")
    text = " ".join(" ".join(Page(html).text).split())
    assert "cannot reach" in text
    assert "Filters on documented evidence only; if Plate Vendor were gone" in text


def test_same_data_gives_the_same_bytes_and_the_date_is_the_datas(tiny, tmp_path):
    for suffix in ("html", "md"):
        first = brief(tiny, tmp_path / f"a.{suffix}", "SFPD")
        second = brief(tiny, tmp_path / f"b.{suffix}", "SFPD")
        assert first.replace("a.png", "b.png") == second
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    dated = brief(tiny, tmp_path / "c.html", "SFPD", "--date", "2025-01-31")
    assert "Dated 2025-01-31 (the date given when the brief was made)" in dated


def test_hostile_names_quotes_and_urls_stay_text(tmp_path):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    nodes = [dict(n) for n in NODES]
    nodes[0] = {**nodes[0], "name": evil + " & Co"}
    edges = [dict(e) for e in EDGES]
    edges[0] = {**edges[0], "quote": '</blockquote><a href="javascript:alert(1)">click</a>',
                "notes": "<b>not bold</b>", "locator": "p. 2 <!--"}
    sources = [{**SOURCES[0], "title": "A <i>Report</i>", "url": "https://example.org/r?a=1&b=2"}]
    data = write_dataset(tmp_path / "hostile", nodes=nodes, edges=edges, sources=sources)
    html = brief(data, tmp_path / "h.html", "SFPD")
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags and "i" not in page.tags and "b" in page.tags
    assert not any(link.startswith("javascript") for link in page.links)
    assert not [k for k, _ in page.attributes if k.startswith("on")]
    text = "".join(page.text)
    assert evil + " & Co" in text and '</blockquote><a href="javascript:alert(1)">click</a>' in text
    assert "https://example.org/r?a=1&b=2" in page.links
    markdown = brief(data, tmp_path / "h.md", "SFPD")
    assert "<script" not in markdown and "<img" not in markdown and "<b>" not in markdown
    assert not re.search(r"(?<!\\)\]\(javascript", markdown)


def test_markdown_footnotes_resolve_and_the_png_sits_beside_it(tiny, tmp_path):
    markdown = brief(tiny, tmp_path / "brief.md", "SFPD")
    png = tmp_path / "brief.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "](brief.png)" in markdown
    used = set(re.findall(r"\[\^(\d+)\](?!:)", markdown))
    defined = re.findall(r"^\[\^(\d+)\]:", markdown, flags=re.M)
    assert used == set(defined) and defined == [str(i) for i in range(1, len(defined) + 1)]
    hops = [line for line in markdown.splitlines() if re.match(r"\d+\. \*\*", line)]
    assert hops and all(re.search(r"\[\^\d+\]", line) for line in hops)
    for url in re.findall(r"\]\(([^)]+)\)|<(https?://[^>]+)>", markdown):
        link = url[0] or url[1]
        assert link == "brief.png" or re.match(r"https?://", link), link


def test_sanctuary_brief_groups_nodes_by_jurisdiction_and_names_those_that_cannot(tiny, tmp_path):
    html = brief(tiny, tmp_path / "s.html", "--sanctuary")
    page = Page(html)
    text = " ".join(" ".join(page.text).split())
    assert "2 of 2 nodes under a sanctuary law or designation can reach" in text
    first_use = list(dict.fromkeys(page.refs))
    assert first_use == [f"fn-{i}" for i in range(1, len(first_use) + 1)]  # numbered in reading order
    assert "California: SB54" in text and "San Francisco: Sanctuary City Ordinance" in text
    assert "Last body under its sanctuary law on the route: Northern California Regional" in text
    assert all(hop for hop in page.hops) and set(page.refs) == set(page.footnotes)
    markdown = brief(tiny, tmp_path / "s.md", "--sanctuary")
    assert "## Reaching nodes, by jurisdiction" in markdown


def test_a_sweep_brief_does_not_call_a_designation_a_law(tmp_path):
    # Denver is in the sweep by DOJ's designation of Colorado alone: no law puts it "under its sanctuary law".
    from flowmap import schema

    from conftest import JURISDICTIONS, write_table

    directory = write_dataset(tmp_path / "d", jurisdictions=JURISDICTIONS)
    write_table(directory, schema.DESIGNATIONS, [
        {"id": "doj-co", "jurisdiction": "us-co", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "Colorado"}])
    text = brief(directory, tmp_path / "s.md", "--sanctuary")
    denver = next(line for line in text.splitlines() if line.startswith("**Denver Police** — "))
    assert "sanctuary law" not in denver
    assert "Last body in its designated jurisdiction (a designation, not a law) on the route: **Denver Police**" \
        in denver
    sfpd = next(line for line in text.splitlines() if line.startswith("**San Francisco Police Department** — "))
    assert "Last body under its sanctuary law on the route: " in sfpd


def test_a_sweep_brief_narrowed_to_a_place_or_a_kind_says_so(tiny, tmp_path):
    text = brief(tiny, tmp_path / "sf.md", "--sanctuary", "--in", "San Francisco")
    assert "> **1 of 1 node under a sanctuary law or designation in San Francisco can reach" in text
    assert "- **Examined:** 1 node under a sanctuary law or designation in San Francisco" in text
    assert "**San Francisco Police Department** — " in text  # an entry of the sweep
    assert "**Northern California Regional Intelligence Center** — " not in text
    text = brief(tiny, tmp_path / "fc.md", "--sanctuary", "--kind", "fusion_center", "--kind", "agency")
    assert "2 of 2 nodes under a sanctuary law or designation, of kind fusion center or agency can reach" in text
    out = tmp_path / "x.html"
    result = CliRunner().invoke(cli, ["--data", str(tiny), "report", "SFPD", "--in", "CA", "-o", str(out)])
    assert result.exit_code == 1 and "--in and --kind narrow the sanctuary sweep: add --sanctuary" in result.output
    assert not out.exists()


def test_bad_requests_are_clear_and_write_nothing(tiny, tmp_path):
    for args, message in ((["Nowhere PD"], "no entity called"), (["SFPD", "--sanctuary"], "not both"),
                          (["SFPD", "--date", "yesterday"], "not a date")):
        out = tmp_path / "x.html"
        result = CliRunner().invoke(cli, ["--data", str(tiny), "report", *args, "-o", str(out)])
        assert result.exit_code != 0 and message in result.output
        assert not out.exists() and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["--data", str(tiny), "report", "SFPD", "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 1 and "name the file .html or .md" in result.output
    assert list(tmp_path.iterdir()) == [tiny]


def test_avoided_nodes_are_named_in_one_order_throughout_the_brief(tiny, tmp_path):
    html = brief(tiny, tmp_path / "b.html", "SFPD", "--avoid", "vendor", "--avoid", "ncric")
    text = " ".join(" ".join(Page(html).text).split())
    # The verdict, the question's filters and the route counts: the nodes in the data's order each time.
    assert text.count("if Northern California Regional Intelligence Center and Plate Vendor were gone") == 3
    assert "if Plate Vendor and" not in text


def _no_query(*args, **kwargs):
    raise AssertionError("a query ran")


def test_a_brief_states_the_answers_it_is_given_and_runs_no_query(tiny, monkeypatch):
    model = Model.load(tiny, cache=False)
    question = flowmap.query("SFPD", min_evidence="reported")
    result, wall = routes.reach(model, question), cuts.firewall(model, question)
    swept = sanctuary.sweep(model, flowmap.query(group_joins=False), count=True)
    for name in ("reach", "count"):
        monkeypatch.setattr(routes, name, _no_query)
    monkeypatch.setattr(cuts, "firewall", _no_query)
    monkeypatch.setattr(sanctuary, "sweep", _no_query)
    text = report.to_markdown(report.reach_brief(model, result, wall, "md"))
    assert "- **Filters:** on documented or reported evidence only" in text
    assert "1 open route and 0 blocked by policy within 6 hops, on documented or reported evidence only." in text
    assert "### Route 1 (2 hops): San Francisco Police Department → Northern California Regional" in text
    assert "Cutting this one channel closes every open route" in text
    text = report.to_markdown(report.sanctuary_brief(model, swept, "md"))
    assert "2 of 2 nodes under a sanctuary law or designation can reach" in text
    assert "Open routes: 1." in text  # the sweep counted them; the brief only says so


def test_the_api_makes_the_brief_the_cli_writes(tiny, tmp_path):
    fm = flowmap.load(tiny, cache=False)
    written = brief(tiny, tmp_path / "b.md", "SFPD", "--avoid", "denver", "--limit", "1", "--date", "2025")
    made = fm.report("SFPD", fmt="md", avoid="denver", limit=1, date="2025")
    assert report.to_markdown(made, "b.png") == written
    written = brief(tiny, tmp_path / "s.html", "--sanctuary", "--count", "--paper", "a4")
    assert report.to_html(fm.report(sanctuary=True, count=True, paper="a4")) == written


def test_the_api_refuses_a_brief_it_cannot_make_before_any_query_runs(tiny, monkeypatch):
    fm = flowmap.load(tiny, cache=False)
    monkeypatch.setattr(routes, "reach", _no_query)
    monkeypatch.setattr(sanctuary, "sweep", _no_query)
    for kwargs, message in (({}, "a brief about routes needs a source (or ask for the sanctuary sweep)"),
                            ({"source": "SFPD", "fmt": "pdf"}, "unknown brief format 'pdf'; choose from: html, md"),
                            ({"source": "SFPD", "paper": "a3"}, "unknown paper size 'a3'"),
                            ({"source": "SFPD", "date": "yesterday"}, "'yesterday' is not a date like 2025")):
        with pytest.raises(QueryError) as caught:
            fm.report(**kwargs)
        assert str(caught.value).startswith(message)


def test_markdown_parses_without_raw_html_even_from_hostile_data(tmp_path):
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py parses Markdown as CommonMark")
    nodes = [dict(n) for n in NODES]
    nodes[0] = {**nodes[0], "name": "<div onclick=x>**SF** [PD](javascript:y)</div> | `x`"}
    data = write_dataset(tmp_path / "hostile", nodes=nodes)
    text = brief(data, tmp_path / "h.md", "SFPD")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    flat = [t for token in tokens for t in [token, *(token.children or [])]]
    assert not [t for t in flat if t.type in ("html_inline", "html_block")]
    hrefs = [t.attrs.get("href") or t.attrs.get("src") for t in flat if t.type in ("link_open", "image")]
    assert hrefs and all(h == "h.png" or h.startswith(("http://", "https://")) for h in hrefs)
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    assert "&lt;div onclick=x&gt;**SF** [PD](javascript:y)&lt;/div&gt; | `x`" in rendered


def test_without_graphviz_the_brief_stands_without_its_picture(tiny, tmp_path, monkeypatch):
    from flowmap.errors import RenderError
    from flowmap.views import render

    def fail(self, format="svg"):
        raise RenderError("cannot draw a png image: pygraphviz is not available")

    monkeypatch.setattr(render.Diagram, "render", fail)
    for suffix in ("html", "md"):
        text = brief(tiny, tmp_path / f"b.{suffix}", "SFPD")
        assert "No diagram: cannot draw a png image: pygraphviz is not available" in text
        assert "Route 1 (2 hops)" in text
    assert not (tmp_path / "b.png").exists()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_chromium_draws_the_brief_and_prints_it_to_pdf(tiny, tmp_path):
    page = tmp_path / "brief.html"
    brief(tiny, page, "SFPD")
    shot, pdf = tmp_path / "shot.png", tmp_path / "brief.pdf"
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([*common, "--window-size=900,1300", f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert _png_size(shot.read_bytes()) == (900, 1300)
    assert len(shot.read_bytes()) > 30_000  # text and a diagram, not a blank page
    subprocess.run([*common, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", content)) >= 1


def test_a_brief_of_routes_through_a_node_says_why_it_has_no_firewall(tiny, tmp_path):
    # A firewall closes every route; the brief keeps only those through --via, so it gives none, and says why.
    text = Page(brief(tiny, tmp_path / "via.html", "SFPD", "--via", "NCRIC")).text
    words = " ".join(" ".join(text).split())
    assert "Not worked out for this brief: it lists only the routes through Northern California Regional " \
           "Intelligence Center" in words
    assert "flowmap firewall, without --via" in words
    assert "Cutting" not in words
    plain = " ".join(" ".join(Page(brief(tiny, tmp_path / "all.html", "SFPD")).text).split())
    assert "Cutting" in plain and "Not worked out" not in plain
    # The diagram's caption names the firewall's mark only where the diagram can hold it.
    assert "Purple ✂" not in words and "Purple ✂: the channels the firewall cuts" in plain


def _more_routes(tmp_path: Path) -> Path:
    """The tiny map with two more open routes from SFPD: straight to ICE's database, and NCRIC to it."""
    extra = [{"id": "e7", "from": "sfpd", "to": "ice-das", "data": "licence_plate_reads", "mechanism": "contract",
              "evidence": "reported", "citation": "report", "locator": "p. 8", "quote": "SFPD feeds DAS"},
             {"id": "e8", "from": "ncric", "to": "ice-das", "data": "licence_plate_reads", "mechanism": "contract",
              "evidence": "reported", "citation": "report", "locator": "p. 9", "quote": "NCRIC feeds DAS"}]
    return write_dataset(tmp_path / "more", edges=[*EDGES, *extra])


def test_count_says_how_many_routes_exist_beyond_those_listed(tmp_path):
    data = _more_routes(tmp_path)
    listed = brief(data, tmp_path / "listed.md", "SFPD", "--limit", "1")
    assert "1+ open route and 1 blocked by policy within 6 hops." in listed
    assert "every one counted" not in listed
    counted = brief(data, tmp_path / "counted.md", "SFPD", "--limit", "1", "--count")
    # As `flowmap reach --count` counts them: every route within the hop bound, not only those listed.
    assert "3 open routes and 1 blocked by policy within 6 hops, every one counted; the brief lists the first " \
           "1 open and 1 blocked." in counted
    assert run("--data", str(data), "reach", "SFPD", "--count").output.startswith(
        "San Francisco Police Department → Immigration and Customs Enforcement: 3 open routes and 1 blocked")
    assert counted.count("### Route ") == 1 and counted.count("### Blocked route ") == 1  # still lists --limit
    assert "Only the first route of each kind is listed (shortest first); more exist." in counted
    # When every route is listed the count says no more; the filters bound the count as they bound the list.
    whole = brief(data, tmp_path / "whole.md", "SFPD", "--count", "--max-hops", "1")
    assert "1 open route and 0 blocked by policy within 1 hop, every one counted." in whole
    # No blocked route to list (the vendor's capability hop is filtered out): the brief names only the open.
    reported = brief(data, tmp_path / "reported.md", "SFPD", "--limit", "1", "--count", "--min-evidence", "reported")
    assert "3 open routes and 0 blocked by policy within 6 hops, on documented or reported evidence only, every " \
           "one counted; the brief lists the first 1 open." in reported
    fm = flowmap.load(data, cache=False)
    made = fm.report("SFPD", fmt="md", limit=1, count=True)
    assert report.to_markdown(made, "counted.png") == counted


def test_the_sweep_brief_draws_the_shortest_route_of_each_node_it_lists(tiny, tmp_path):
    page = Page(brief(tiny, tmp_path / "s.html", "--sanctuary"))
    text = " ".join(" ".join(page.text).split())
    # SFPD → NCRIC → ICE and NCRIC → ICE, as listed; not the vendor, Denver or ICE's database of the whole map.
    assert {"node-sfpd", "node-ncric", "node-ice"} <= page.ids
    assert not {"node-vendor", "node-denver", "node-ice-das"} & page.ids
    assert "2 of 2 nodes under a sanctuary law or designation → Immigration and Customs Enforcement" in text
    assert "The shortest route of each of the 2 nodes listed, within 6 hops; each hop cites its source." in text
    assert "The shortest route of each of the 2 nodes listed below, and nothing else of the map" in text
    assert "whole map" not in text
    # Narrowed, the diagram is too: San Francisco's one node and its route.
    page = Page(brief(tiny, tmp_path / "sf.html", "--sanctuary", "--in", "San Francisco"))
    text = " ".join(" ".join(page.text).split())
    assert "1 of 1 node under a sanctuary law or designation in San Francisco → Immigration and Customs" in text
    assert "The shortest route of the 1 node listed below" in text
    assert {"node-sfpd", "node-ncric", "node-ice"} <= page.ids
    markdown = brief(tiny, tmp_path / "fc.md", "--sanctuary", "--kind", "fusion_center")
    assert "![Diagram of the shortest route to Immigration and Customs Enforcement of each node listed](fc.png)" \
        in markdown and "*The shortest route of the 1 node listed below" in markdown
    assert (tmp_path / "fc.png").read_bytes().startswith(b"\x89PNG")


def test_a_sweep_diagram_too_large_to_draw_is_left_out_and_the_brief_says_why(tiny, tmp_path, monkeypatch):
    from flowmap.views import render

    monkeypatch.setattr(render, "MAX_EDGES_TO_DRAW", 1)
    text = brief(tiny, tmp_path / "s.md", "--sanctuary")
    assert "*No diagram: the shortest routes of the 2 nodes listed take 2 flows, too many to draw on a page " \
           "(the limit is 1). Narrow the sweep with --in PLACE or --kind KIND, or draw one node's routes with " in text
    assert "## Reaching nodes, by jurisdiction" in text and not (tmp_path / "s.png").exists()


def test_a_limit_of_one_reads_in_the_singular_in_the_brief_and_its_diagram(tmp_path):
    data = _more_routes(tmp_path)
    fm = flowmap.load(data, cache=False)

    def heading(limit: int) -> str:  # the diagram's heading as a reader sees it, wrapped lines joined
        return " ".join(" ".join(re.findall(r">([^<>]+)<", fm.render("SFPD", limit=limit).dot)).split())

    assert "Showing the first route of each kind; more exist (raise --limit)." in heading(1)
    assert "Showing the first 2 routes of each kind" in heading(2)
