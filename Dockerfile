# Dossier API server. Build: docker build -t dossier .   Run: see docker-compose.yml.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/dossier
WORKDIR /src
COPY . .
RUN /opt/dossier/bin/pip install .

FROM python:3.11-slim
# psycopg (through eventsourcing[postgres]) is pure Python and loads the system libpq. Every
# PDF the archive draws embeds the TrueType Chinese font of fonts-wqy-zenhei, and its PDF/A
# forms carry the sRGB profile of icc-profiles-free: without them the service refuses to start.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 fonts-wqy-zenhei icc-profiles-free \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home dossier \
    && mkdir /data \
    && chown dossier:dossier /data
COPY --from=build /opt/dossier /opt/dossier
ENV PATH=/opt/dossier/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DOSSIER_DATA_DIR=/data
USER dossier
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
CMD ["dossier", "serve", "--host", "0.0.0.0", "--port", "8000"]
