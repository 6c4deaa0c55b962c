# One image for every role of the engine: migrate, web, worker and beat differ only by command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 cjji \
 && mkdir -p /var/lib/cjji-audit && chown cjji /var/lib/cjji-audit
# The pinned, hash-checked dependencies first (requirements.lock, from `make lock`), then
# the engine itself without resolving anything again.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY workflow ./workflow
COPY tasks ./tasks
COPY config ./config
RUN pip install --no-cache-dir --no-deps .
USER cjji
EXPOSE 8000
CMD ["cjji", "serve", "--host", "0.0.0.0"]
