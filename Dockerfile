# ---- build ----------------------------------------------------------------
# rust:1-bookworm ships libssl-dev and pkg-config, which the bundled libpq links against.
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY openapi ./openapi
RUN cargo build --release --locked

# ---- runtime --------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ose \
    && useradd --system --uid 10001 --gid ose --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin ose \
    && mkdir -p /data \
    && chown ose:ose /data
WORKDIR /data
COPY --from=builder /src/target/release/ose-api /usr/local/bin/ose-api
ENV BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/ose.db \
    OSE_ENV=prod
EXPOSE 8080
USER ose
ENTRYPOINT ["ose-api"]
CMD ["serve"]
