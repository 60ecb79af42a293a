"""The same form twice in an output folder (as text and as PDF), or one project submitted again with other numbers."""

from __future__ import annotations

from jixiao.models import Document, Form

Where = tuple[str, int]  # (document stem, form index)


def _content(form: Form) -> tuple[object, ...]:
    """What a form says, whatever file it came in: header, amounts, indicators, totals."""
    funds = tuple((f.kind, f.initial_budget, f.adjusted_budget, f.executed) for f in form.funds)
    indicators = tuple((i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators)
    return (form.form_type, form.year, form.project_code, form.project_name, funds, indicators, form.total_score)


def _project(form: Form) -> tuple[object, ...] | None:
    name = form.project_code or form.project_name
    return (form.form_type, form.year, name) if name else None


def find_duplicates(documents: dict[str, Document]) -> dict[Where, str]:
    """(stem, form) → a Chinese note naming the other copy, for every form that is not the first of its kind."""
    seen_content: dict[tuple[object, ...], Where] = {}
    seen_project: dict[tuple[object, ...], Where] = {}
    notes: dict[Where, str] = {}
    for stem in sorted(documents):
        for i, form in enumerate(documents[stem].forms):
            where, content, project = (stem, i), _content(form), _project(form)
            if content in seen_content:
                first = seen_content[content]
                name = form.project_name or "未读到项目名称"
                notes[where] = f"重复提交：与{first[0]}第{first[1] + 1}张表内容相同（{name}）"
            elif project is not None and project in seen_project:
                first = seen_project[project]
                notes[where] = (f"同一项目多次提交：{form.project_name or form.project_code}与{first[0]}第{first[1] + 1}张表"
                                "为同一项目、同一年度，但内容不同，请确认以哪份为准")
            seen_content.setdefault(content, where)
            if project is not None:
                seen_project.setdefault(project, where)
    return notes
