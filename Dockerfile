# Orinoco screening API: `orinoco serve` (gunicorn master + workers) as a non-root user.
#
#   docker build -t orinoco .                              # lists mounted at run time
#   docker build -t orinoco --build-arg FETCH_LISTS=1 .    # official lists fetched into the image
#   docker run -p 8000:8000 -v /srv/lists:/lists:ro \
#       -e ORINOCO_LISTS="ofac=/lists/ofac_sdn,un=/lists/un/consolidated.xml" orinoco
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Every runtime dependency pinned (the versions CI tests with), installed in their own layer.
# The server's dependencies from the lock (requirements/server.txt: the versions CI tests with, each
# file's hash checked), then the package itself without resolving anything again.
COPY requirements/server.txt ./requirements/server.txt
RUN pip install --require-hashes --requirement requirements/server.txt

COPY pyproject.toml README.md ./
COPY service ./service
RUN pip install --no-deps . && pip check

RUN useradd --system --uid 10001 --create-home --home-dir /home/orinoco orinoco \
    && install -d -o orinoco -g orinoco /var/lib/orinoco
USER orinoco

# numba's compiled scoring loops (engine/kernels.py) are cached beside the index: a mounted cache
# keeps them across containers, and the first start of a new one compiles them once.
ENV ORINOCO_HOST=0.0.0.0 \
    ORINOCO_PORT=8000 \
    ORINOCO_CACHE_DIR=/var/lib/orinoco \
    NUMBA_CACHE_DIR=/var/lib/orinoco/numba

# FETCH_LISTS=1: download the official lists into the cache now (needs network at build time);
# otherwise mount list files and name them in ORINOCO_LISTS, or mount a cache at /var/lib/orinoco.
ARG FETCH_LISTS=0
RUN if [ "$FETCH_LISTS" = "1" ]; then orinoco lists update; fi

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('ORINOCO_PORT', '8000'), timeout=4)"]

# This process becomes the gunicorn master: SIGTERM (docker stop) drains, SIGHUP reloads the lists.
ENTRYPOINT ["orinoco", "serve"]
CMD []
