"""Layering rules that ruff's banned-api cannot express on its own."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "jixiao"
PDF_OCR = {"pymupdf", "fitz", "rapidocr", "rapidocr_onnxruntime", "xlrd", "docx", "docxtpl"}  # and the Office libraries
LLM = {"openai", "instructor"}
# the one exception: the Word reports are written with docxtpl (over python-docx) by their one writer
WORD_WRITER = ("outputs", "word.py")
WORD = {"docx", "docxtpl"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_ingest_reads_pdfs_and_only_llm_talks_to_models() -> None:
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).parts
        used = _imports(path)
        if rel == WORD_WRITER:
            assert not used & (PDF_OCR - WORD), path
        elif rel[0] != "ingest":
            assert not used & PDF_OCR, path
        if rel[0] != "llm":
            assert not used & LLM, path


def test_only_the_word_writer_writes_word() -> None:
    writers = sorted("/".join(p.relative_to(SRC).parts) for p in SRC.rglob("*.py")
                     if _imports(p) & {"docxtpl"} or (_imports(p) & {"docx"} and p.relative_to(SRC).parts[0] != "ingest"))
    assert writers == ["/".join(WORD_WRITER)]


def test_nothing_reads_the_shared_folder() -> None:
    for path in [*SRC.rglob("*.py"), *Path(__file__).parent.rglob("*.py")]:
        if path.name == "test_architecture.py":
            continue
        assert "../shared" not in path.read_text(encoding="utf-8"), path


# The layers, lowest first: a package may import only from the packages listed for it (and itself). Stages that
# run one after the other do not reach into each other: checks read the contract and the domain layer, never the
# parser; outputs read documents, never the checks; only the pipeline knows every stage.
BASE = {"__init__", "models", "layout", "errors", "values", "gaps", "domain", "templating", "atomic", "textsafe",
        "testhook", "limits", "layouts", "provcodec"}  # layouts: the learned-layout store, data the parser and the LLM
# layer share; provcodec: how the JSON file writes a form's provenance (models' serializer)
ALLOWED: dict[str, set[str]] = {
    **{name: BASE for name in BASE},
    "ingest": BASE,
    "parse": BASE,
    "llm": BASE,
    "sections": BASE | {"parse"},  # takes prose and cut values out of what the parser read
    "gapfill": BASE | {"llm"},  # completes what the parser left, through the model (column types: domain)
    "checks": BASE,
    "drafts": BASE | {"checks", "llm"},
    "outputs": BASE | {"ingest"},  # page pictures are rendered by the only package that may open PDFs
    "review": BASE | {"checks", "drafts", "outputs"},
    "judge": BASE | {"checks", "llm"},  # the text review's LLM judge: reads the checks' words, asks the model
    "pipeline": BASE | {"ingest", "parse", "sections", "llm", "gapfill", "checks", "judge", "drafts"},
    "pool": BASE | {"checks", "llm", "pipeline", "cluster"},  # --jobs: worker processes around the pipeline
    "batch": BASE | {"ingest", "pipeline", "outputs", "review", "pool"},
    "evaluate": BASE | {"ingest", "parse", "llm", "checks", "pipeline", "outputs", "evaluate"},
    "evaluate_llm": BASE | {"ingest", "parse", "llm", "checks", "drafts", "pipeline", "outputs", "evaluate"},
    "evaluate_review": BASE | {"llm", "checks", "pipeline", "evaluate"},
    "cli": BASE | {"ingest", "parse", "llm", "checks", "drafts", "outputs", "review", "pipeline", "batch", "pool", "cluster",
                   "evaluate", "evaluate_llm", "evaluate_review", "recheck"},
    "cluster": BASE | {"pipeline", "pool", "outputs"},  # --ray: each input a Ray task
    "recheck": BASE | {"checks", "outputs", "pipeline"},  # `check`/`draft` over a JSON, streamed
}
# modules not yet gathered into outputs/ count as outputs
ROOMS = {"report": "outputs",
         "evaluate_breakdown": "evaluate",  # the golden report's tables, part of the evaluation
         "gapmap": "gapfill", "gapfunds": "gapfill", "gapground": "gapfill", "gaptotal": "gapfill",  # request kinds
         "gapchoice": "gapfill", "mapcands": "gapfill", "gapsettle": "gapfill",  # column gaps
         "cli_layouts": "cli"}


def _room(parts: tuple[str, ...]) -> str:
    name = parts[0].removesuffix(".py")
    return ROOMS.get(name, name)


def _jixiao_imports(path: Path) -> set[str]:
    rooms: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "jixiao":
            parts = node.module.split(".")[1:]
            if parts:
                rooms.add(_room(tuple(parts)))
            else:  # from jixiao import x
                rooms |= {_room((a.name,)) for a in node.names}
        elif isinstance(node, ast.Import):
            rooms |= {_room(tuple(a.name.split(".")[1:2])) for a in node.names
                      if a.name.startswith("jixiao.")}
    return rooms


def test_no_import_reaches_a_higher_layer() -> None:
    broken = []
    for path in SRC.rglob("*.py"):
        room = _room(path.relative_to(SRC).parts)
        assert room in ALLOWED, f"{path}: place the new module in a layer of ALLOWED"
        for used in _jixiao_imports(path) - {room}:
            if used not in ALLOWED[room] and used != "__version__":
                broken.append(f"{path.relative_to(SRC)} imports jixiao.{used}")
    assert not broken, broken


def test_each_indicator_is_assessed_in_one_place() -> None:
    callers = [p.relative_to(SRC) for p in SRC.rglob("*.py") if "assess_form(" in p.read_text(encoding="utf-8")
               and p.name != "assess.py"]
    assert [str(p) for p in callers] == ["checks/base.py"]
    uses = [p.relative_to(SRC) for p in SRC.rglob("*.py") if "import assess\n" in p.read_text(encoding="utf-8")
            or "import assess," in p.read_text(encoding="utf-8")]
    assert not uses, uses
