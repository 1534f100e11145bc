FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY web ./web
COPY bots ./bots
COPY workers ./workers
RUN pip install . && useradd --create-home confetti && mkdir /data && chown confetti /data
USER confetti
ENV CONFETTI_DATA_DIR=/data CONFETTI_HOST=0.0.0.0 CONFETTI_PORT=8000
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["confetti", "serve", "--web-only"]
