# dlbot: one image for `dlbot bot`, `dlbot serve` and `dlbot worker`.
# Build: docker build -t dlbot .   Run: docker run -e BOT_TOKEN=… -v dlbot-data:/data dlbot
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
COPY templates ./templates
COPY src/api/public ./src/api/public
VOLUME /data
USER node
# tini reaps ffmpeg children and forwards SIGTERM, so the graceful shutdown runs
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/dlbot"]
CMD ["bot"]
