#!/usr/bin/env bash
# Checks that a Kafka broker answers at KAFKA_BROKERS (comma-separated host:port): kafkajs, from
# this checkout's node_modules (after `npm ci`), asks each listed broker in turn for the
# cluster's brokers, 15 s at most in all. For a broker given, not one kafka-start.sh runs
# (which waits for its own).
# Contract: exit 0 = a listed broker answered; exit 1 = none did (or the check could not run),
# and the message says why. Starts nothing itself.
set -euo pipefail
source "$(dirname "$0")/../../scripts/node-env.sh"
cd "$repo_root"

if [ -z "${KAFKA_BROKERS:-}" ]; then
  echo "kafka-check: KAFKA_BROKERS is not set: nothing to check." >&2
  exit 1
fi

# kafkajs 2.2.4 arms a timer with a negative delay under Node 24 (harmless; Node clamps it).
if ! out="$(timeout 15 node --disable-warning=TimeoutNegativeWarning -e '
  const { Kafka, logLevel } = require("kafkajs");
  const answers = async (broker) => {
    const admin = new Kafka({
      brokers: [broker],
      connectionTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch (error) {
      console.error(`${broker}: ${error?.message ?? error}`);
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  (async () => {
    const brokers = process.env.KAFKA_BROKERS.split(",").map((b) => b.trim()).filter(Boolean);
    for (const broker of brokers) if (await answers(broker)) process.exit(0);
    process.exit(1);
  })();
' 2>&1)"; then
  reason="${out:-no answer within 15 s}"
  echo "kafka-check: no Kafka broker answers at KAFKA_BROKERS=$KAFKA_BROKERS (${reason//$'\n'/; })." \
    "Start one, or unset KAFKA_BROKERS to have the local broker from deploy/local started." >&2
  exit 1
fi
