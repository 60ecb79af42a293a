"""Outputs: what a reviewer reads — the HTML report (`html`), the review workbook (`workbook`) and the schema it
shares with `jixiao review import` (`schema`), with their templates in `outputs/templates/`; the JSON and the Markdown
summary (`document`), the streamed JSON writer and reader (`jsonfile`), per-form summaries (`summary`) and the
output folder's lock and journal (`folder`).
"""
