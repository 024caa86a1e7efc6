# The relmine worker image used by docker-compose.yml (torch from PyPI brings its CUDA runtime).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY relmine relmine
COPY cli cli
COPY workers workers
COPY cypher cypher
RUN pip install --no-cache-dir .
CMD ["relmine", "worker"]
