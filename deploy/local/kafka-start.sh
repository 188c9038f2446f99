#!/usr/bin/env bash
# Starts a real single-node Apache Kafka broker (KRaft, combined mode) without Docker, in the
# background, and returns once it serves clients on 127.0.0.1:$KAFKA_PORT.
#
# Contract: exit 0 = a broker started by this script is running and ready (a second call while
# it runs says so and exits 0); exit 1 = it could not start (the reason and the log tail are
# printed, and no broker of ours is left running). Stop it with kafka-stop.sh.
# Each start wipes the data dir for a clean broker, unless KAFKA_KEEP_DATA=1.
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (.cache/kafka/data),
#      KAFKA_START_TIMEOUT seconds (90), KAFKA_HEAP_OPTS (-Xms256m -Xmx512m), JAVA_HOME.
#      KAFKA_SECURE_PORT (unset): also a SASL_SSL listener there, SCRAM-SHA-512 with the user
#      KAFKA_SCRAM_USER / KAFKA_SCRAM_PASSWORD, TLS with a self-signed certificate for 127.0.0.1
#      made with keytool; its PEM is written to $KAFKA_DATA_DIR/tls/ca.pem for the clients.
# Needs: Java 17+, and Maven with access to Maven Central on the first run (jars are cached).
set -euo pipefail
# shellcheck source=kafka/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/kafka/env.sh"

timeout_s="${KAFKA_START_TIMEOUT:-90}"
now_ms() { date +%s%3N; }
elapsed() { local ms=$(( $(now_ms) - $1 )); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }
die() { echo "kafka-start: $*" >&2; exit 1; }

# One start at a time (parallel test runners): a second caller waits, then finds it running.
mkdir -p "$KAFKA_CACHE_DIR"
exec 9>"$KAFKA_CACHE_DIR/start.lock"
flock -w "$timeout_s" 9 || die "another kafka-start.sh held the lock for ${timeout_s}s."

# 1. Already running? Ours and answering: nothing to do. Ours but not answering: stop it.
if pid="$(our_broker_pid)"; then
  if port_open "$KAFKA_PORT"; then
    echo "Kafka broker already running on 127.0.0.1:$KAFKA_PORT (pid $pid); nothing to do."
    exit 0
  fi
  echo "kafka-start: broker pid $pid runs but does not answer; restarting it." >&2
  "$(dirname "${BASH_SOURCE[0]}")/kafka-stop.sh"
elif [[ -f "$KAFKA_PID_FILE" ]]; then
  echo "kafka-start: removing stale pid file $KAFKA_PID_FILE" >&2
  rm -f "$KAFKA_PID_FILE"
fi

# 2. Ports held by something that is not our broker: refuse rather than talk to a stranger.
for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  if port_open "$port"; then
    owner="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:.*' || true)"
    die "port 127.0.0.1:$port is already in use by another process ${owner:+($owner)}." \
      "Stop it, or set KAFKA_PORT / KAFKA_CONTROLLER_PORT."
  fi
done

# 3. Java 17+ (Kafka 4.x brokers refuse older runtimes).
java_major="$("$KAFKA_JAVA" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')" || true
[[ "${java_major:-0}" -ge 17 ]] \
  || die "Kafka 4.x needs Java 17+; '$KAFKA_JAVA' is ${java_major:-missing}. Set JAVA_HOME."

# 4. Broker jars: resolved by Maven once, re-resolved only when the pom changes (sha256 stamp).
#    Later starts run offline (the root .gitignore keeps .cache/ out of git).
pom="$KAFKA_CONF_DIR/pom.xml"
pom_sum="$(sha256sum "$pom" | cut -d' ' -f1)"
if [[ "$(cat "$KAFKA_LIBS_DIR/.pom.sha256" 2>/dev/null)" != "$pom_sum" ]]; then
  command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch the Kafka jars."
  t0="$(now_ms)"
  echo "Fetching Kafka jars with Maven into $KAFKA_LIBS_DIR ..."
  rm -rf "$KAFKA_LIBS_DIR.tmp"
  # Maven's output goes to a file (-q still prints colour codes) and is shown only on failure.
  mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_LIBS_DIR.tmp" >"$KAFKA_CACHE_DIR/mvn.log" 2>&1 \
    || { tail -n 30 "$KAFKA_CACHE_DIR/mvn.log" >&2; die "Maven could not fetch the Kafka jars."; }
  echo "$pom_sum" >"$KAFKA_LIBS_DIR.tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS_DIR" && mv "$KAFKA_LIBS_DIR.tmp" "$KAFKA_LIBS_DIR"
  echo "Fetched $(find "$KAFKA_LIBS_DIR" -name '*.jar' | wc -l) jars in $(elapsed "$t0")."
fi
kafka_jar="$(find "$KAFKA_LIBS_DIR" -name 'kafka_2.13-*.jar' | head -n1)"
version="${kafka_jar##*/kafka_2.13-}" && version="${version%.jar}"

# 5. Fresh data dir, config and storage format (a new cluster id per run).
[[ "${KAFKA_KEEP_DATA:-0}" == 1 ]] || rm -rf "$KAFKA_DATA_DIR"
mkdir -p "$KAFKA_DATA_DIR/logs"
sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
  -e "s|@KAFKA_LOG_DIRS@|$KAFKA_DATA_DIR/kraft|g" \
  "$KAFKA_CONF_DIR/server.properties.template" >"$KAFKA_DATA_DIR/server.properties"
scram_args=()
if [[ -n "${KAFKA_SECURE_PORT:-}" ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/kafka/secure-listener.sh"
  add_secure_listener "$KAFKA_DATA_DIR" "$KAFKA_PORT" "$KAFKA_SECURE_PORT"
  scram_args=(--add-scram "SCRAM-SHA-512=[name=${KAFKA_SCRAM_USER:?},password=${KAFKA_SCRAM_PASSWORD:?}]")
fi
classpath="$KAFKA_LIBS_DIR/*"
jvm_log=(-Dlog4j2.configurationFile="$KAFKA_CONF_DIR/log4j2.properties"
  -Dkafka.logs.dir="$KAFKA_DATA_DIR/logs")
# Format unless kept data is already formatted (formatting it again with a new cluster id fails
# even with --ignore-formatted). A cluster id is 16 random bytes in URL-safe base64, as
# `StorageTool random-uuid` prints, made here to save a JVM start (~1s); no leading '-', as Kafka.
if [[ ! -f "$KAFKA_DATA_DIR/kraft/meta.properties" ]]; then
  cluster_id='-'
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  # KAFKA-15413: the storage tool's argument parser fails when COLUMNS is exported.
  unset COLUMNS
  "$KAFKA_JAVA" "${jvm_log[@]}" -cp "$classpath" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$KAFKA_DATA_DIR/server.properties" --ignore-formatted \
    ${scram_args[@]+"${scram_args[@]}"} >/dev/null \
    || die "formatting $KAFKA_DATA_DIR/kraft failed."
fi

# A kept data dir keeps its old log, whose "started" line must not pass for this start's.
log="$KAFKA_DATA_DIR/logs/server.log"
[[ ! -s "$log" ]] || mv -f "$log" "$log.previous"

# 6. Launch detached (own session: a Ctrl-C or hang-up of the caller does not reach it).
#    setsid and nohup exec in place, so $! is the JVM's pid. 9>&-: it must not hold the lock.
t0="$(now_ms)"
read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
setsid nohup "$KAFKA_JAVA" "${heap[@]}" -Djava.awt.headless=true "${jvm_log[@]}" \
  -cp "$classpath" kafka.Kafka "$KAFKA_DATA_DIR/server.properties" \
  >"$KAFKA_DATA_DIR/kafka.out" 2>&1 </dev/null 9>&- &
pid=$!
echo "$pid" >"$KAFKA_PID_FILE"

# 7. Ready = the port accepts connections and the broker logged its start (the port opens a
#    little before the broker serves metadata). Poll; never a fixed sleep.
until port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$log" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$KAFKA_PID_FILE"
    tail -n 50 "$KAFKA_DATA_DIR/kafka.out" "$log" >&2 2>/dev/null || true
    die "the broker exited during start-up (logs above, in $KAFKA_DATA_DIR)."
  fi
  if (( $(now_ms) - t0 > timeout_s * 1000 )); then
    tail -n 50 "$log" "$KAFKA_DATA_DIR/kafka.out" >&2 2>/dev/null || true
    "$(dirname "${BASH_SOURCE[0]}")/kafka-stop.sh" >&2 || true
    die "the broker was not ready after ${timeout_s}s; stopped it (logs in $KAFKA_DATA_DIR)."
  fi
  sleep 0.3
done
echo "Kafka broker $version started on 127.0.0.1:$KAFKA_PORT (pid $pid) in $(elapsed "$t0")."
