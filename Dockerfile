# racelab: the API server, the controller manager and the scenarios, from one image.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 6443
HEALTHCHECK --interval=5s --timeout=2s --retries=10 \
  CMD node -e "fetch('http://127.0.0.1:6443/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "dist/racelab.js"]
# Bound to every interface, so a token is required: one is generated at the first start, and the kubeconfig
# (printed on start) carries it: docker cp <container>:/tmp/racelab.kubeconfig .
CMD ["serve", "--host", "0.0.0.0", "--port", "6443", "--token-file", "/tmp/racelab.token", "--generate-token", "--kubeconfig", "/tmp/racelab.kubeconfig"]
