# gopy in a container: the wheel built in one stage, installed in a slim runtime image.
#   docker build -t gopy .
#   docker run --rm --env-file .env gopy db upgrade      # migrations, before new workers
#   docker run -d --env-file .env -p 8080:8080 gopy run  # a bot worker (webhook on :8080)
# compose.yaml runs the whole office (see README, «Vận hành»).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
COPY scheduler scheduler
# gopy's wheel and a wheel of every dependency: the runtime stage needs no compiler.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# Posters are drawn in DejaVu Sans (it covers Vietnamese).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels gopy-bot \
    && rm -rf /wheels
# A non-root user; comments' photos (GOPY_COMMENTS_MEDIA_DIR) go to a folder it owns, so a
# volume mounted there starts owned by it too.
RUN useradd --create-home --uid 10001 gopy \
    && mkdir -p /var/lib/gopy/media && chown -R gopy /var/lib/gopy
USER gopy
WORKDIR /home/gopy
ENV PYTHONUNBUFFERED=1 \
    GOPY_WEB_HOST=0.0.0.0 \
    GOPY_WEB_PORT=8080 \
    GOPY_LOG_FORMAT=json
EXPOSE 8080
# Alive only (/healthz): a database outage must not get every worker restarted. gopy
# scheduler answers on GOPY_SCHEDULER_WEB_PORT, a worker on GOPY_WEB_PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('GOPY_SCHEDULER_WEB_PORT') or os.environ.get('GOPY_WEB_PORT', '8080'); urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
ENTRYPOINT ["gopy"]
CMD ["run"]
