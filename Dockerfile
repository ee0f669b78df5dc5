# Warden, as a production image: compiled once, run by plain Node as an unprivileged user.
#   docker build -t warden .
#   docker run -p 4000:4000 -v warden-data:/data warden

# Compile (dev dependencies only here).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` (the web build) runs below, once its sources are here.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json codegen.yml ./
COPY src src
COPY plugins plugins
COPY resolvers resolvers
COPY schema schema
COPY sdk sdk
COPY web web
COPY scripts scripts
RUN npm run codegen --silent && npm run build && npm run build:web && npm run build:pglite

# What runs: production dependencies only.
FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    WARDEN_DATA_DIR=/data
WORKDIR /app
COPY --from=dependencies --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
COPY --chown=root:root package.json ./
# The data folder (embedded store, secret key, embedded databases) is the only place the gateway writes.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops it cleanly (workers, if any, drain first): no shell in between to swallow the signal.
CMD ["node", "dist/src/main.js"]
