# etcd for the compose ha profile: Debian's etcd-server package (3.4), the same etcd CI tests against.
FROM debian:bookworm-slim
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server etcd-client \
  && rm -rf /var/lib/apt/lists/*
EXPOSE 2379
ENTRYPOINT ["etcd"]
