# An Airbyte source image of source-chat-export (the shape Airbyte expects: the connector as the
# entrypoint, AIRBYTE_ENTRYPOINT set, io.airbyte.* labels). Documented in README.md ("Use with
# Airbyte/PyAirbyte"); not built in CI (no Docker engine there).
#
#   docker build -t chat-export/source-chat-export:dev .
#   docker build --build-arg SOURCE_TYPE=ada-v2 -t chat-export/source-ada-v2:dev .
#   docker run --rm chat-export/source-chat-export:dev spec
FROM swift:6.1-jammy AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --product source-chat-export --static-swift-stdlib \
    && install -m 0755 "$(swift build -c release --show-bin-path)/source-chat-export" /usr/local/bin/source-chat-export

FROM ubuntu:22.04
# libcurl is loaded by soname (libcurl.so.4); SQLite and libpq are linked by the built-in sinks.
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libcurl4 libsqlite3-0 libpq5 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1000 --home-dir /airbyte airbyte && mkdir -p /airbyte && chown airbyte /airbyte
COPY --from=build /usr/local/bin/source-chat-export /usr/local/bin/source-chat-export
ARG SOURCE_TYPE=""
ARG VERSION=0.1.0
# Narrows `spec` to one source type (Airbyte's form then shows that type's options only).
ENV CHAT_EXPORT_SOURCE_TYPE=${SOURCE_TYPE}
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/source-chat-export"
WORKDIR /airbyte
USER airbyte
ENTRYPOINT ["/usr/local/bin/source-chat-export"]
LABEL io.airbyte.name="chat-export/source-chat-export" io.airbyte.version="${VERSION}"
