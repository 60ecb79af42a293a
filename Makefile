# jixiao — run `make help` for the targets. Everything installs itself into .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
# the LLM judge over the labelled set with the 0.5B model (one server slot): bounded so CI stays bounded
JUDGE_EVAL_S ?= 1200
# forms in the memory benchmark's generated text dump (bench/make_dump.py)
BENCH_FORMS ?= 12000
# labelled cases the LLM judge runs on (empty: all 12; CI runs two to stay within its time)
JUDGE_CASES ?=
# damaged cases the gap-fill check runs on (empty: all of golden/damaged-llm, as CI runs it; the unmapped and
# header-less tables cost 0 calls, the rules settle them)
GAP_CASES ?=

.DEFAULT_GOAL := help
.PHONY: help install demo test test-ray check eval bench fuzz clean llm-serve llm-stop test-llm variants eval-variants browser libreoffice

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv/ with jixiao and its dev tools (.venv/bin/jixiao)
	@$(BIN)/jixiao --version

demo: $(STAMP) ## run `jixiao run` on the bundled samples (text dumps, a digital PDF, a scan, .xlsx, .xls, .docx) into out/demo/
	@$(BIN)/jixiao run golden/*-text/*.txt golden/jinfeng-pdf/jinfeng.pdf golden/qijiang-scan/qijiang.pdf \
		golden/real-yuzhong-xlsx/chongqing-yuzhong_1.xlsx golden/real-central-xls/central-pku_1.xls \
		golden/pujin-docx/pujin.docx golden/yuzhong-xlsx/yuzhong.xlsx \
		-o $(OUT) || [ $$? -eq 1 ]
	@echo "outputs: $(OUT)/ — per input <stem>.json (data, provenance, findings, drafts), .md (summary),"
	@echo "  .html (report, open in a browser) and a Word 自评报告 per form (<stem>.docx or <stem>-<n>.docx);"
	@echo "  for the batch index.html (dashboard), batch_report.docx and review.xlsx (review, then"
	@echo "  \`jixiao review import\`), or review in the browser: .venv/bin/jixiao review serve $(OUT)"

test: check ## run lint + types, the whole test suite and the golden evaluation
	$(BIN)/python -m pytest
	$(BIN)/jixiao eval golden
	$(BIN)/jixiao eval golden/damaged
	$(BIN)/jixiao eval golden/review-labels
	$(BIN)/jixiao eval golden/blind --jobs 2 --errors 0
	$(BIN)/python golden/make_variants.py out/variants-quick --quick --pdf-stride 2 --scans 1 --scan-stride 3 --office-stride 4
	$(BIN)/jixiao eval out/variants-quick --jobs 2 --errors 0
	$(BIN)/python golden/make_variants.py out/variants-seeds --seeds
	$(BIN)/jixiao eval out/variants-seeds --errors 5

test-ray: $(STAMP) ## install the Ray extra (jixiao[ray], ~1.3 min, 240 MB) and check the golden set through a local Ray gives a local run's JSON
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,ray]"
	$(BIN)/python -m pytest -q tests/test_ray.py

browser: ## install Debian's Chromium for the browser tests (as root: apt-get; otherwise says how)
	@if [ -x /usr/bin/chromium ]; then /usr/bin/chromium --version 2>/dev/null || echo "chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "the browser tests need Chromium: run 'sudo apt-get install -y chromium' (or set JIXIAO_CHROMIUM to a" \
	     "Chromium binary); without it they are skipped"; fi

libreoffice: ## install LibreOffice (headless) + CJK fonts: .doc input, and golden/make_libreoffice*.{sh,py} (as root: apt-get)
	@if command -v soffice >/dev/null; then soffice --version; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	     --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk; \
	else echo "LibreOffice is optional: run 'sudo apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui" \
	     "fonts-noto-cjk'; without it .doc files are refused with a message and its test is skipped"; fi

check: $(STAMP) ## lint (ruff, incl. the layering ban list) and type-check (mypy --strict)
	$(BIN)/ruff check src tests bench golden
	$(BIN)/mypy

eval: $(STAMP) ## golden evaluation report (add ARGS=--update to rewrite expected.json, then review the diff)
	$(BIN)/jixiao eval golden $(ARGS)

variants: $(STAMP) ## generate the layout-variant forms (18 families × 14 forms; text, collapsed, markdown, CSV, HTML, 3 PDF styles, scans, .xlsx, .docx) into out/variants/
	$(BIN)/python golden/make_variants.py out/variants --scans 2
	$(BIN)/python golden/make_variants.py out/variants-seeds --seeds

eval-variants: variants ## evaluate every variant rendering, per family and per rendering, and the seeds as 附件1 PDFs
	$(BIN)/jixiao eval out/variants --jobs 2 --errors 0 --report out/variants-report.json
	$(BIN)/jixiao eval out/variants-seeds --errors 5

bench: $(STAMP) ## benchmarks: text forms/s, PDF pages/s, scan s/page, office forms/s; memory of a 12,000-form dump (BENCH_FORMS), kill -9/--resume; scale: 1/2 workers, Ray, projection
	$(BIN)/python bench/bench_text.py
	$(BIN)/python bench/bench_pdf.py
	$(BIN)/python bench/bench_office.py
	$(BIN)/python bench/bench_memory.py --forms $(BENCH_FORMS)
	$(BIN)/python bench/bench_scale.py

fuzz: $(STAMP) ## seeded hostile inputs, bounded in time (ARGS="--seconds 240 --seed 1"): per class tried/crashes/hangs, peak memory
	$(BIN)/python scripts/fuzz.py $(ARGS)

clean: ## remove .venv/ and outputs
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

llm-serve: ## build llama-cpp-python[server], assemble + verify the 0.5B Qwen GGUF, serve it on 127.0.0.1:8765
	scripts/llm_serve.sh start

llm-stop: ## stop the local model server
	scripts/llm_serve.sh stop

test-llm: $(STAMP) ## real local model end to end: serve, gap-fill damaged cases (rules+LLM ≥ rules-only), judge the text review's labelled set, stop
	scripts/llm_serve.sh start
	JIXIAO_LLM_BASE_URL=http://127.0.0.1:8765/v1 JIXIAO_LLM_MODEL=qwen2.5-coder-0.5b JIXIAO_LLM_LOCAL_ONLY=1 \
	JIXIAO_LLM_CONCURRENCY=1 JIXIAO_CACHE_DIR=$${JIXIAO_CACHE_DIR:-.llm/cache} \
	  sh -c 'JIXIAO_LLM_JUDGE=0 JIXIAO_LLM_RETRIES=1 $(BIN)/jixiao eval golden/damaged-llm --llm --no-baseline --drafts $(foreach c,$(GAP_CASES),--case $(c)) && \
	         { timeout $(JUDGE_EVAL_S) $(BIN)/jixiao eval golden/review-labels --llm $(foreach c,$(JUDGE_CASES),--case $(c)); s=$$?; \
	           if [ $$s -eq 124 ]; then echo "judge eval stopped after $(JUDGE_EVAL_S) s (slow model server): no LLM figures this run"; s=0; fi; \
	           exit $$s; }'; status=$$?; scripts/llm_serve.sh stop; exit $$status
