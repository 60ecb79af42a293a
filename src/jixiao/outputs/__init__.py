"""Outputs: what a reviewer reads — the HTML report (`html`), the review workbook (`workbook`) and the schema it
shares with `jixiao review import` (`schema`), with their templates in `outputs/templates/`. The Markdown summary
and JSON writer still live in `jixiao/output.py` (kept in place while the hardening branch edits it; it belongs here).
"""
