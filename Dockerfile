# Verbatim: the API and the web page on the default corpus, CPU only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    VERBATIM_HOST=0.0.0.0 \
    VERBATIM_PORT=8000 \
    VERBATIM_CORPUS_DIR=/app/corpus \
    VERBATIM_INDEX_DIR=/app/var/index \
    VERBATIM_CACHE_DIR=/app/var/cache \
    VERBATIM_SHOW_PROGRESS=false

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. CPU-only torch from PyTorch's CPU index
# (no CUDA packages); FIND_LINKS lets a build without internet point pip at a local wheel folder.
ARG FIND_LINKS=""
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
COPY pyproject.toml ./
RUN mkdir -p service embeddings index_build retrieval eval verbatim \
    && touch service/__init__.py embeddings/__init__.py index_build/__init__.py retrieval/__init__.py \
             eval/__init__.py verbatim/__init__.py \
    && pip install ${FIND_LINKS:+--find-links "$FIND_LINKS"} --extra-index-url "$TORCH_INDEX" "torch==2.13.0" \
    && pip install ${FIND_LINKS:+--find-links "$FIND_LINKS"} . \
    && pip uninstall -y verbatim

COPY corpus ./corpus
COPY verbatim ./verbatim
COPY embeddings ./embeddings
COPY index_build ./index_build
COPY retrieval ./retrieval
COPY service ./service
COPY eval ./eval
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app verbatim \
    && python -m index_build --quiet \
    && chown -R verbatim /app/var

USER verbatim
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["verbatim", "serve"]
