#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller) from Maven Central jars, no Docker.
#
#   scripts/kafka.sh fetch            resolve the jars into tools/kafka/lib (cached; needs Maven once)
#   scripts/kafka.sh start            format (if needed) and start a broker, wait until it accepts connections
#   scripts/kafka.sh stop             stop the broker recorded in the pid file (TERM, then KILL after 15 s)
#   scripts/kafka.sh status           exit 0 when the recorded broker is alive
#
# Environment (all optional):
#   KAFKA_PORT (9092)  KAFKA_CONTROLLER_PORT (KAFKA_PORT+1)  KAFKA_DATA (.local/kafka-$KAFKA_PORT)
#   KAFKA_PID_FILE (.local/pids/kafka.pid)  KAFKA_LOG_FILE (.local/logs/kafka.log)
#   KAFKA_FRESH=1 wipes KAFKA_DATA before start   KAFKA_HEAP (-Xms256m -Xmx768m)
#   KAFKA_PARTITIONS (default partitions of auto-created topics, 3)
#
# Opt-in SASL_SSL listener (TLS + SASL SCRAM-SHA-512 and PLAIN), beside the loopback PLAINTEXT one:
#   KAFKA_SASL_SSL_PORT          port of the SASL_SSL listener on 127.0.0.1 (unset: no such listener)
#   KAFKA_SSL_KEYSTORE           PKCS12 keystore with the broker's key and certificate (e.g. made with keytool)
#   KAFKA_SSL_KEYSTORE_PASSWORD  its password
#   KAFKA_SASL_USERS             user:password,...  each user gets a SCRAM-SHA-512 credential (written when the
#                                data dir is formatted, so use a fresh dir) and a PLAIN login; [A-Za-z0-9._-] only
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
K="$ROOT/tools/kafka"
VERSION=3.9.1
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA="${KAFKA_DATA:-$ROOT/.local/kafka-$PORT}"
PID_FILE="${KAFKA_PID_FILE:-$ROOT/.local/pids/kafka.pid}"
LOG_FILE="${KAFKA_LOG_FILE:-$ROOT/.local/logs/kafka.log}"
HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"

log() { echo "[kafka] $*" >&2; }

fetch() {
  if [ -f "$K/lib/kafka_2.13-$VERSION.jar" ] && [ -f "$K/lib/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch Kafka once: apt-get install maven"; exit 1; }
  command -v java >/dev/null || { log "a JDK 17+ is required: apt-get install openjdk-17-jdk-headless"; exit 1; }
  log "resolving org.apache.kafka:kafka_2.13:$VERSION from Maven Central (first run only)"
  rm -rf "$K/lib"
  mvn -B -q -f "$K/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$K/lib"
  touch "$K/lib/.complete"
}

alive() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  fetch
  if alive; then log "already running (pid $(cat "$PID_FILE")) on 127.0.0.1:$PORT"; return 0; fi
  if port_open "$PORT"; then log "port $PORT is taken by another process"; exit 1; fi
  [ "${KAFKA_FRESH:-0}" = 1 ] && rm -rf "$DATA"
  mkdir -p "$DATA" "$(dirname "$PID_FILE")" "$(dirname "$LOG_FILE")"
  sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CPORT#g" -e "s#@DATA@#$DATA#g" \
      -e "s#@PARTITIONS@#${KAFKA_PARTITIONS:-3}#g" -e "s#@OFFSETS_PARTITIONS@#${KAFKA_OFFSETS_PARTITIONS:-3}#g" \
      "$K/server.properties.template" > "$DATA/server.properties"
  local scram=()
  if [ -n "${KAFKA_SASL_SSL_PORT:-}" ]; then sasl_ssl_listener; fi
  local cp="$K/lib/*"
  local jvm=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
  # A fixed cluster id per data dir keeps restarts of the same broker (e.g. in the soak) on the same log.
  if [ ! -f "$DATA/cluster.id" ]; then
    java -Dlog4j.configuration="file:$K/tools-log4j.properties" -cp "$cp" kafka.tools.StorageTool random-uuid > "$DATA/cluster.id"
  fi
  java "${jvm[@]}" -Dlog4j.configuration="file:$K/tools-log4j.properties" -cp "$cp" \
    kafka.tools.StorageTool format -t "$(cat "$DATA/cluster.id")" -c "$DATA/server.properties" --ignore-formatted \
    ${scram[@]+"${scram[@]}"} >/dev/null
  # setsid: the broker outlives the shell that started it, and is stopped only through its pid file.
  setsid java $HEAP "${jvm[@]}" -Dlog4j.configuration="file:$K/log4j.properties" -cp "$cp" \
    kafka.Kafka "$DATA/server.properties" >>"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  # The broker opens its listener only once it is unfenced, so a TCP connect means ready.
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until port_open "$PORT"; do
    if ! alive; then log "broker exited during start; last lines of $LOG_FILE:"; tail -n 30 "$LOG_FILE" >&2; rm -f "$PID_FILE"; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "broker not ready after ${KAFKA_START_TIMEOUT:-90}s"; tail -n 30 "$LOG_FILE" >&2; stop; exit 1; fi
    sleep 0.2
  done
  log "ready on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"), data $DATA)"
}

# Adds the SASL_SSL listener to the rendered server.properties and collects the SCRAM credentials to format with.
sasl_ssl_listener() {
  local sport="$KAFKA_SASL_SSL_PORT" users="${KAFKA_SASL_USERS:-}" plain="" entry name pass
  [ -f "${KAFKA_SSL_KEYSTORE:-}" ] || { log "KAFKA_SASL_SSL_PORT needs KAFKA_SSL_KEYSTORE (a PKCS12 file)"; exit 1; }
  [ -n "$users" ] || { log "KAFKA_SASL_SSL_PORT needs KAFKA_SASL_USERS (user:password,...)"; exit 1; }
  IFS=',' read -ra entries <<< "$users"
  for entry in "${entries[@]}"; do
    name="${entry%%:*}"; pass="${entry#*:}"
    [[ "$entry" == *:* && "$name" =~ ^[A-Za-z0-9._-]+$ && "$pass" =~ ^[A-Za-z0-9._-]+$ ]] \
      || { log "KAFKA_SASL_USERS: each entry is user:password of [A-Za-z0-9._-]"; exit 1; }
    scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$pass]")
    plain+=" user_$name=\"$pass\""
  done
  sed -i -e "s#^listeners=\(.*\)#listeners=\1,SASL_SSL://127.0.0.1:$sport#" \
    -e "s#^advertised.listeners=\(.*\)#advertised.listeners=\1,SASL_SSL://127.0.0.1:$sport#" \
    -e "s#^listener.security.protocol.map=\(.*\)#listener.security.protocol.map=\1,SASL_SSL:SASL_SSL#" \
    "$DATA/server.properties"
  cat >> "$DATA/server.properties" <<EOF

# SASL_SSL listener (KAFKA_SASL_SSL_PORT)
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$plain;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_SSL_KEYSTORE
listener.name.sasl_ssl.ssl.keystore.password=${KAFKA_SSL_KEYSTORE_PASSWORD:-}
EOF
  log "SASL_SSL listener on 127.0.0.1:$sport for ${#entries[@]} user(s)"
}

stop() {
  if ! [ -f "$PID_FILE" ]; then return 0; fi
  local pid; pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker did not stop in 15 s; killing"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) alive ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
