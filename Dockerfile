# syntax=docker/dockerfile:1
# domain-scheduler: a release build, then the binary alone on a slim image as an unprivileged
# user. `docker compose up` (compose.yaml) runs it with PostgreSQL, Jaeger and Prometheus.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The registry and the target folder are build caches, kept between builds and out of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin domain-scheduler \
    && cp target/release/domain-scheduler /usr/local/bin/domain-scheduler

FROM debian:bookworm-slim
# ca-certificates for https fetches, curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/domain-scheduler domain-scheduler
COPY --from=build /usr/local/bin/domain-scheduler /usr/local/bin/domain-scheduler
USER domain-scheduler
WORKDIR /var/lib/domain-scheduler
# Listen on every interface of the container; publish the port to choose who reaches it.
ENV DOMAIN_SCHEDULER_HTTP_ADDR=0.0.0.0:8000 \
    DOMAIN_SCHEDULER_LOG_FORMAT=json
EXPOSE 8000
# Ready: the database answers and the actors run (503 otherwise).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/readyz || exit 1
ENTRYPOINT ["domain-scheduler"]
CMD ["serve"]
