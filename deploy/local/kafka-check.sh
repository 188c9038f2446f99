#!/usr/bin/env bash
# Checks that a Kafka broker answers at KAFKA_BROKERS (comma-separated host:port): kafkajs, from
# this checkout's node_modules, asks the cluster for its brokers, 15 s at most. For a broker
# given, not one kafka-start.sh runs (which waits for its own).
# Contract: exit 0 = the cluster answered; exit 1 = it did not, and the message says why.
# Starts nothing itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! out="$(KAFKA_BROKERS="${KAFKA_BROKERS:?KAFKA_BROKERS is not set}" timeout 15 node -e '
  const { Kafka, logLevel } = require("kafkajs");
  const admin = new Kafka({
    brokers: process.env.KAFKA_BROKERS.split(",").map((broker) => broker.trim()),
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  admin.connect().then(() => admin.describeCluster()).then(
    () => admin.disconnect().then(() => process.exit(0)),
    (error) => { console.error(String(error?.message ?? error)); process.exit(1); },
  );
' 2>&1)"; then
  echo "kafka-check: no Kafka broker answers at KAFKA_BROKERS=$KAFKA_BROKERS (${out:-timed out})." \
    "Start one, or unset KAFKA_BROKERS to have the local broker from deploy/local started." >&2
  exit 1
fi
