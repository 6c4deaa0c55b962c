# One image for every role of the engine: migrate, web, worker and beat differ only by command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 cjji
COPY pyproject.toml README.md ./
COPY workflow ./workflow
COPY tasks ./tasks
COPY config ./config
RUN pip install --no-cache-dir .
USER cjji
EXPOSE 8000
CMD ["cjji", "serve", "--host", "0.0.0.0"]
