# The relmine worker image used by docker-compose.yml (torch from PyPI brings its CUDA runtime).
# Dependencies go in their own layer, before the code: a code change rebuilds only the small last
# layers, not the 6 GB of installed dependencies. Versions are constraints.txt's, as for
# scripts/setup.sh and CI.
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# the worker runs as this user; RELMINE_HOME (docker-compose's volumes) is its own
RUN useradd --create-home --uid 10001 relmine \
 && install -d -o relmine -g relmine /var/lib/relmine
WORKDIR /app

# 1. dependencies: only pyproject.toml and constraints.txt, so this layer outlives code changes
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# 2. the code, installed without touching the dependencies
COPY README.md ./
COPY relmine relmine
COPY cli cli
COPY workers workers
COPY cypher cypher
RUN pip install --no-cache-dir --no-deps -c constraints.txt .

USER relmine
CMD ["relmine", "worker"]
