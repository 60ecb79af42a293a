"""Layering rules that ruff's banned-api cannot express on its own."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "jixiao"
PDF_OCR = {"pymupdf", "fitz", "rapidocr", "rapidocr_onnxruntime", "xlrd", "docx"}  # and the Office readers
LLM = {"openai", "instructor"}


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
        if rel[0] != "ingest":
            assert not used & PDF_OCR, path
        if rel[0] != "llm":
            assert not used & LLM, path


def test_nothing_reads_the_shared_folder() -> None:
    for path in [*SRC.rglob("*.py"), *Path(__file__).parent.rglob("*.py")]:
        if path.name == "test_architecture.py":
            continue
        assert "../shared" not in path.read_text(encoding="utf-8"), path
