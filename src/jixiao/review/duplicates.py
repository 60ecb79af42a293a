"""The same form twice in an output folder (as text and as PDF), or one project submitted again with other numbers."""

from __future__ import annotations

from jixiao.outputs.summary import DocumentSummary

Where = tuple[str, int]  # (document stem, form index)


def find_duplicates(documents: dict[str, DocumentSummary]) -> dict[Where, str]:
    """(stem, form) → a Chinese note naming the other copy, for every form that is not the first of its kind.
    Compares the forms' summaries: what a form says (`summary.content_key`) and its project."""
    seen_content: dict[str, Where] = {}
    seen_project: dict[tuple[object, ...], Where] = {}
    notes: dict[Where, str] = {}
    for stem in sorted(documents):
        for form in documents[stem].forms:
            where, content, project = (stem, form.index), form.content_key, form.project_key
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
