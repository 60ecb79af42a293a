"""`jixiao review serve OUTDIR`: a small local web app (standard library http.server) over an output folder.

- `/`                       the dashboard, each form linked to its review page
- `/review/<stem>`          the form's report (page picture or sheet grid, the selected field's source box, the
                            findings) with each draft's 采纳 / 修改 / 退回 and an edit box
- `POST /review/<stem>/decide`  decisions, applied through `importer.apply_decisions` (the path `review import`
                            takes: sha256 check, re-check, journal, atomic writes) under the folder lock; then the
                            form's .md/.html/Word reports, the batch report and the dashboard are regenerated
- `/<file>`                 the folder's reports (.html, .docx, .xlsx, .md, .json), nothing else

Loopback only by default. A decision must be JSON (a cross-site form cannot send it without a preflight this
server never answers) and carry this server's Host; no accounts."""

from __future__ import annotations

import hashlib
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from pydantic import BaseModel, Field, ValidationError

from jixiao.checks.profile import RuleProfile
from jixiao.models import Document
from jixiao.outputs.dashboard import dashboard_html
from jixiao.outputs.folder import FolderError, member, output_lock, recover
from jixiao.outputs.html import ReviewControls, report_html
from jixiao.outputs.schema import DECISIONS, STATUS_NAMES, draft_id
from jixiao.outputs.summary import folder_rows
from jixiao.review.importer import Decision, ReviewError, apply_decisions, shown_text
from jixiao.review.pack import refresh_reports

MAX_BODY = 1 << 20
SERVED = {".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8",
          ".json": "application/json; charset=utf-8",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class PageDecision(BaseModel):
    index: int = Field(ge=0, description="the draft's index in the document's drafts")
    decision: str
    text: str = ""
    note: str = ""
    shown: str = Field("", description="草稿内容 as the page showed it")


class PageDecisions(BaseModel):
    sha256: str = Field(description="sha256 of the JSON the page was made from")
    decisions: list[PageDecision]


def page_decisions(stem: str, posted: PageDecisions) -> dict[str, Decision]:
    """The page's decisions in the importer's terms (draft id → Decision)."""
    return {draft_id(stem, d.index): Decision(row=0, decision=d.decision, text=d.text.strip(), note=d.note.strip(),
                                              shown=d.shown, place=f"审核页 {draft_id(stem, d.index)}")
            for d in posted.decisions}


class ReviewSite:
    """The folder being reviewed and how decisions are applied to it (one at a time)."""

    def __init__(self, folder: Path, profile: RuleProfile | None = None) -> None:
        self.folder = folder
        self.profile = profile
        self.lock = threading.Lock()

    def page(self, stem: str) -> str | None:
        path = member(self.folder, stem)
        if not path.is_file():
            return None
        raw = path.read_bytes()
        try:
            document = Document.model_validate_json(raw)
        except ValidationError:
            return None
        controls = ReviewControls(action=f"/review/{quote(stem)}/decide", sha256=hashlib.sha256(raw).hexdigest(),
                                  shown={k: shown_text(d) for k, d in enumerate(document.drafts)})
        return report_html(document, review=controls)

    def decide(self, stem: str, posted: PageDecisions) -> dict[str, object]:
        """Apply the page's decisions; ReviewError / FolderError when refused (nothing changed)."""
        for d in posted.decisions:
            if d.decision not in DECISIONS:
                raise ReviewError(f"审核页 {draft_id(stem, d.index)}: “{d.decision}” is not one of {'/'.join(DECISIONS)}")
            if d.decision == "修改" and not d.text.strip():
                raise ReviewError(f"审核页 {draft_id(stem, d.index)}: 修改 needs the edited text")
        with self.lock, output_lock(self.folder):
            recover(self.folder)
            result = apply_decisions(self.folder, {stem: posted.sha256}, page_decisions(stem, posted), [],
                                     self.profile, origin=f"审核页 {stem}", made="page")
            refresh_reports(self.folder, [stem])
            raw = member(self.folder, stem).read_bytes()
        document = Document.model_validate_json(raw)
        last = document.drafts[posted.decisions[-1].index]
        return {"sha256": hashlib.sha256(raw).hexdigest(), "status": f"{STATUS_NAMES[last.status]}（人工）",
                "shown": shown_text(last), "text": last.text, "accepted": result.accepted, "edited": result.edited,
                "rejected": result.rejected, "warnings": result.warnings}


def _handler(site: ReviewSite, hosts: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "jixiao-review"

        def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI prints what matters
            return

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict[str, object]) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def _host_ok(self) -> bool:
            return self.headers.get("Host", "") in hosts

        def do_GET(self) -> None:
            if not self._host_ok():
                self._send(HTTPStatus.MISDIRECTED_REQUEST, b"wrong host", "text/plain")
                return
            path = unquote(urlsplit(self.path).path)
            try:
                if path == "/":
                    body = dashboard_html(folder_rows(site.folder), site.folder, review_base="/review/")
                    self._send(HTTPStatus.OK, body.encode("utf-8"), SERVED[".html"])
                    return
                if path.startswith("/review/"):
                    page = site.page(path[len("/review/"):])
                    if page is not None:
                        self._send(HTTPStatus.OK, page.encode("utf-8"), SERVED[".html"])
                        return
                name = path.lstrip("/")
                target = site.folder / name
                if ("/" not in name and not name.startswith(".") and target.suffix in SERVED and target.is_file()
                        and not target.is_symlink()):
                    self._send(HTTPStatus.OK, target.read_bytes(), SERVED[target.suffix])
                    return
            except FolderError:
                pass
            self._send(HTTPStatus.NOT_FOUND, "没有这个页面".encode(), "text/plain; charset=utf-8")

        def do_POST(self) -> None:
            path = unquote(urlsplit(self.path).path)
            origin = self.headers.get("Origin")
            if (not self._host_ok() or (origin is not None and urlsplit(origin).netloc not in hosts)
                    or self.headers.get_content_type() != "application/json"):
                self._json(HTTPStatus.FORBIDDEN, {"error": "refused: a decision must come from this review page"})
                return
            if not (path.startswith("/review/") and path.endswith("/decide")):
                self._json(HTTPStatus.NOT_FOUND, {"error": "no such action"})
                return
            stem = path[len("/review/"):-len("/decide")]
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
                return
            try:
                posted = PageDecisions.model_validate_json(self.rfile.read(length))
                self._json(HTTPStatus.OK, site.decide(stem, posted))
            except ValidationError as exc:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"bad request: {str(exc).splitlines()[0]}"})
            except (ReviewError, FolderError) as exc:
                self._json(HTTPStatus.CONFLICT, {"error": str(exc)})

    return Handler


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 0,
                profile: RuleProfile | None = None) -> ThreadingHTTPServer:
    """The server (not yet serving); port 0 picks a free one (`server.server_address`)."""
    site = ReviewSite(folder, profile)
    server = ThreadingHTTPServer((host, port), _handler(site, set()))
    bound = server.server_address[1]
    names = {host, *(LOOPBACK if host in LOOPBACK else ())}
    hosts = {f"{n}:{bound}" if ":" not in n else f"[{n}]:{bound}" for n in names}
    server.RequestHandlerClass = _handler(site, hosts)
    server.daemon_threads = True
    return server
