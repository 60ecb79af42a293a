"""The dashboard from per-form summaries: counts and charts from the recorded findings, links to the reports,
form text escaped, nothing fetched at view time."""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.models import Document
from jixiao.outputs.dashboard import dashboard_html, write_dashboard
from jixiao.outputs.jsonfile import dump
from jixiao.outputs.overview import overview
from jixiao.outputs.summary import DocumentSummary, FormSummary, summarise

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'{{7*7}}'


def test_summaries_count_what_the_checks_recorded(seeds: dict[str, Document], tmp_path: Path) -> None:
    doc = seeds["yuzhong"]
    streamed = DocumentSummary(stem="y", source=doc.source)
    streamed.add(doc)
    summaries = streamed.finish(doc.status).forms
    (tmp_path / "y.json").write_bytes(dump(doc))
    read_back = summarise(tmp_path / "y.json")
    assert read_back is not None and read_back.forms == summaries  # as written, and as read back from the JSON
    assert [s.index for s in summaries] == list(range(len(doc.forms)))
    for s in summaries:
        assert s.stem == "y" and s.status == doc.status and s.forms_in_document == len(doc.forms)
        mine = [f for f in doc.findings if f.form in (s.index, None) and f.severity != "info"]
        counts = (sum(f.severity == "error" for f in mine), sum(f.severity == "warning" for f in mine))
        assert (s.errors, s.warnings) == counts
        assert sum(s.codes.values()) == len(mine)
        short = [f for f in mine if f.code == "SHORT_WITHOUT_EXPLANATION"]
        assert s.short == [doc.forms[s.index].indicators[int(f.path[11:f.path.index("]")])].name
                           for f in short if f.form is not None]
    view = overview(iter(summaries))  # a generator is enough: consumed once
    assert len(view.rows) == len(doc.forms) and view.documents == 1
    assert sum(view.grades.values()) == sum(view.bands.values()) == len(doc.forms)


def test_dashboard_escapes_form_text_and_links_existing_reports(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("x", encoding="utf-8")
    (tmp_path / "a.docx").write_bytes(b"x")
    rows = [FormSummary(stem="a", index=0, project_name=HOSTILE, department=HOSTILE, total_score=95, grade="优",
                        warnings=2, codes={"EXEC_RATE_LOW": 1}, severities={"EXEC_RATE_LOW": "warning"},
                        short=[HOSTILE]),
            FormSummary(stem="b c", index=1, forms_in_document=2, project_name="乙", department="乙局", total_score=70)]
    page = dashboard_html(rows, tmp_path)
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    assert page.count("<script>") == 1 and "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from a network
    assert 'href="a.html"' in page and 'href="a.docx"' in page and "b%20c-2.docx" not in page  # only files there
    assert page.count('class="form') == 2 and page.count('data-problem="1"') == 1
    served = dashboard_html(rows, tmp_path, review_base="/review/")
    assert 'href="/review/b%20c#form-1"' in served
    assert write_dashboard(iter(rows), tmp_path).read_text(encoding="utf-8") == page
