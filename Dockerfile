# Warden gateway image: build with the full toolchain, run on a slim image with production dependencies only.
#   docker build -t warden .
#   docker run -p 4000:4000 -e DATABASE_URL=… -e REDIS_URL=… -e JWT_PRIVATE_KEY=… -e WARDEN_SECRET=… -e SMTP_URL=… warden

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing the gateway runs needs one (native build tools are not in this image).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# The gateway only: the workspace packages (packages/*) are not part of the image.
RUN npm run build:gateway

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force \
    && mkdir -p /data && chown node:node /data
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
VOLUME ["/data"]
# Ready = PostgreSQL and the key-value store answer (GET /readyz is 200, else 503).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
