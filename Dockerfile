# The gateway in a container: `python -m adapters.local`, the local run, on $PORT (default 8080).
#   docker build -t gemini-openai-gateway . && docker run -p 8080:8080 gemini-openai-gateway
# Settings (GEMINI_API_KEY, AUTH_TOKEN, ...) come as environment variables (`docker run -e`, compose.yaml).
FROM python:3.12-slim

# HOST: every interface, as a container must; PORT: what the platform sets (Cloud Run, Render) or 8080.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY core ./core
COPY adapters ./adapters
# Bytecode now, as root: the user below cannot write here, and a start should not compile.
RUN python -m compileall -q core adapters \
    && useradd --create-home --uid 1000 --user-group gateway

# Not root. UID 1000 is also the user Hugging Face Spaces runs a Docker Space as.
USER 1000:1000
EXPOSE 8080

# The landing page answers 200 without a key; stdlib only (the slim image has no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ.get('PORT', '8080'), timeout=4)"]

CMD ["python", "-m", "adapters.local"]
