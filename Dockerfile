# syntax=docker/dockerfile:1
#
# dcs-log-archiver's image: build, production dependencies, runtime.
# The runtime stage holds dist/, config/, package.json, package-lock.json and the production
# node_modules, and nothing else. scripts/container-smoke.sh builds the same tree without Docker
# and runs a pass in it. test/unit/deploy/manifests.test.ts checks that this file, that script and
# deploy/kubernetes/ agree with each other.
#
#   docker build -t dcs-log-archiver:0.1.0 .
#   docker run --rm --read-only --tmpfs /tmp -p 9464:9464 --env-file archiver.env \
#     -v "$PWD/config.yaml:/etc/dcs-log-archiver/config.yaml:ro" \
#     -e ARCHIVER_CONFIG=/etc/dcs-log-archiver/config.yaml dcs-log-archiver:0.1.0   # schedule
#   docker run ...same flags... dcs-log-archiver:0.1.0 archive                      # one pass
#
# The Node major is the current LTS. scripts/test-node-major.sh reads it from the FROM lines and
# runs the test suite on it, so change all three FROM lines together. Pin a digest
# (node:26-bookworm-slim@sha256:...) if your builds must be reproducible.

FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:26-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM node:26-bookworm-slim AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="dcs-log-archiver" \
      org.opencontainers.image.description="Keeps Huawei Cloud DCS (Redis) run logs past the 7-day retention in your own S3-compatible bucket, with a manifest that proves what was kept." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/example/dcs-log-archiver" \
      org.opencontainers.image.base.name="docker.io/library/node:26-bookworm-slim"

# Nothing is written at run time (the archiver streams from DCS to the bucket), so the root
# filesystem can be read-only; TMPDIR points at /tmp, where Kubernetes mounts an emptyDir and
# `docker run --tmpfs /tmp` a tmpfs, for any library that wants a scratch file.
ENV NODE_ENV=production \
    TMPDIR=/tmp
WORKDIR /app

# Owned by root and read-only to the user the process runs as: the program cannot change itself.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
COPY package.json package-lock.json ./

# The base image's `node` user, by number so Kubernetes' runAsNonRoot can check it.
USER 1000:1000

# `schedule` serves /healthz, /readyz and /metrics on server.port (9464 unless configured).
EXPOSE 9464

# Node itself, since slim images have no curl. Only `schedule` serves /healthz: a one-shot
# `archive` container reports unhealthy if it outlives the start period, which changes nothing
# for Docker, and Kubernetes ignores HEALTHCHECK (the manifests declare their own probes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz',{signal:AbortSignal.timeout(4000)}).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node directly, not `npm start`: npm wants to write its cache and logs under $HOME, and it would
# stand between the signals and the process. The CLI handles SIGTERM itself (first one graceful,
# second one forceful), so node can be PID 1 without an init. --max-semi-space-size is the CLI's
# start-up setting (its shebang says the same; README "Memory").
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli.js"]
CMD ["schedule"]
