# PostgreSQL 15 + pgvector on a local Debian base image, built from Debian's packages only:
# pgvector from Debian trixie's source package (the same recipe as scripts/setup-postgres.sh).
# Built by scripts/setup-containers.sh; BASE, MIRROR and APT_PROXY come from the machine.
ARG BASE
FROM ${BASE}
ARG MIRROR
ARG APT_PROXY=
ENV DEBIAN_FRONTEND=noninteractive

# One layer: build tools and sources leave nothing behind.
RUN set -eux; \
  if [ -n "$APT_PROXY" ]; then echo "Acquire::http::Proxy \"$APT_PROXY\";" >/etc/apt/apt.conf.d/01proxy; fi; \
  mkdir -p /etc/postgresql-common; \
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf; \
  apt-get update; \
  apt-get install -y --no-install-recommends postgresql-15; \
  build_deps='postgresql-server-dev-15 dpkg-dev make gcc libc6-dev'; \
  apt-get install -y --no-install-recommends $build_deps; \
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$MIRROR" >/etc/apt/sources.list.d/trixie-src.sources; \
  apt-get update; \
  mkdir /tmp/pgvector; cd /tmp/pgvector; \
  apt-get source pgvector; \
  make -C pgvector-*/ with_llvm=no PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config; \
  make -C pgvector-*/ install with_llvm=no PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config; \
  cd /; rm -rf /tmp/pgvector /etc/apt/sources.list.d/trixie-src.sources; \
  apt-get purge -y --auto-remove $build_deps; \
  rm -rf /var/lib/apt/lists/* /etc/apt/apt.conf.d/01proxy; \
  test -f /usr/share/postgresql/15/extension/vector.control; \
  mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d; \
  chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql; \
  chmod 700 /var/lib/postgresql/data

COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
