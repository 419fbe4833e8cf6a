# Verbatim: the API and the web page on the default corpus, CPU only.
#   docker build -t verbatim .               # BuildKit (Docker's default builder since 23.0) or podman/buildah
#   docker run -p 8000:8000 verbatim        # then open http://localhost:8000/
# scripts/container-check.sh builds and checks it with podman where there is no Docker engine.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    VERBATIM_HOST=0.0.0.0 \
    VERBATIM_PORT=8000 \
    VERBATIM_CORPUS_DIR=/app/corpus \
    VERBATIM_INDEX_DIR=/app/var/index \
    VERBATIM_CACHE_DIR=/app/var/cache \
    VERBATIM_SOURCES_DIR=/app/var/sources \
    VERBATIM_SHOW_PROGRESS=false

WORKDIR /app

# Dependencies first, so a code change does not reinstall them (this layer depends on pyproject.toml only).
# torch comes alone from TORCH_INDEX, PyTorch's CPU-only index by default, so no CUDA package can be pulled
# in; the step fails if any nvidia-* distribution got installed anyway. FIND_LINKS names a folder of local
# wheels (mount it at build time) for a build without access to TORCH_INDEX.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG FIND_LINKS=""
COPY pyproject.toml ./
RUN export PIP_FIND_LINKS="$FIND_LINKS" \
    && pip install --index-url "$TORCH_INDEX" "torch==2.13.0" \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt \
    && python -c "import sys, importlib.metadata as m; cuda = sorted(d.metadata['Name'] for d in m.distributions() if d.metadata['Name'].lower().startswith('nvidia')); sys.exit(f'CUDA packages installed: {cuda}' if cuda else 0)" \
    && python -c "import torch; assert torch.version.cuda is None, torch.version.cuda"

# The unprivileged user the server runs as (numeric, so runAsNonRoot-style checks can verify it).
RUN groupadd --gid 10001 verbatim \
    && useradd --no-log-init --uid 10001 --gid 10001 --create-home --home-dir /home/verbatim \
       --shell /usr/sbin/nologin verbatim

# The default index, built into the image so a container serves at once. Only what the build imports is
# copied first, so a change to the API, the page or the retrieval code reuses this (slow) layer; and the
# embedding cache sits in a build cache mount, so a rebuild after a chunking change re-embeds only the
# passages whose text changed; a copy goes into the image, so an upload embeds only its own document.
COPY corpus ./corpus
COPY verbatim ./verbatim
COPY embeddings ./embeddings
COPY index_build ./index_build
COPY service/__init__.py ./service/
COPY service/core/__init__.py service/core/config.py ./service/core/
RUN --mount=type=cache,target=/root/.cache/verbatim-embeddings \
    python -m index_build --quiet --cache-dir /root/.cache/verbatim-embeddings \
    && mkdir -p /app/var/cache /app/var/sources \
    && cp -a /root/.cache/verbatim-embeddings/. /app/var/cache/ \
    && chown -R 10001:10001 /app/var

# The rest of the code; installing the project gives the `verbatim` command (dependencies are above).
COPY retrieval ./retrieval
COPY service ./service
COPY eval ./eval
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('VERBATIM_PORT', '8000'), timeout=4)"]
CMD ["verbatim", "serve"]
