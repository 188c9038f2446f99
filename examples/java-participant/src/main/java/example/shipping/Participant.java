package example.shipping;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The consume-handle-reply loop. One thread; records of a partition are handled in order. Per poll:
 * handle each record (its database transaction commits before its reply is sent), send the replies
 * and dead letters, wait for the broker's acknowledgement of every one, then commit the offsets.
 * Anything that fails (database, broker) seeks back to the first record not yet answered and tries
 * again after a back-off: nothing is skipped, and the stored outcomes answer a rerun. What the broker
 * would refuse on every retry is not retried (see {@link #acknowledged}).
 */
final class Participant {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final long BACKOFF_MIN_MS = 250;
  private static final long BACKOFF_MAX_MS = 5000;

  private final Config config;
  private final CommandStore store;
  private final CommandValidator validator;
  private volatile boolean running = true;
  private boolean announcedReady;
  private long backoffMs = BACKOFF_MIN_MS;

  Participant(Config config, CommandStore store) {
    this.config = config;
    this.store = store;
    this.validator = new CommandValidator(config.participant, config.topicPrefix);
  }

  /** Asks the loop to stop: it finishes the record in hand, commits, and returns. */
  void stop() {
    running = false;
  }

  boolean running() {
    return running;
  }

  void run() {
    waitForTopic();
    if (!running) {
      return;
    }
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
      consumer.subscribe(List.of(config.commandTopic()), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          if (!partitions.isEmpty()) {
            Log.info("partitions revoked", "partitions", partitions);
          }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          Log.info("partitions assigned", "partitions", partitions, "group", config.groupId);
          if (!announcedReady && !consumer.assignment().isEmpty()) {
            announcedReady = true;
            Log.info("java-participant ready", "participant", config.participant, "topic", config.commandTopic(),
                "group", config.groupId);
          }
        }
      });
      while (running) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(POLL);
        } catch (KafkaException e) {
          Log.warn("poll failed", "error", e.toString());
          sleep(backoff());
          continue;
        }
        if (!records.isEmpty()) {
          handleBatch(consumer, producer, records);
        }
      }
      Log.info("stopping: consumer and producer closing");
    }
  }

  /** Handles one poll's records, waits for every reply and dead letter, then commits (see the class comment). */
  void handleBatch(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
      ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, Long> first = new LinkedHashMap<>(); // first offset of the batch, per partition
    Map<TopicPartition, Long> next = new HashMap<>(); // offset after the last record handled, per partition
    List<Sent> sends = new ArrayList<>();
    boolean failed = false;
    for (TopicPartition tp : records.partitions()) {
      first.put(tp, records.records(tp).get(0).offset());
    }

    outer:
    for (TopicPartition tp : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
        if (!running || failed) {
          break outer;
        }
        try {
          ProducerRecord<byte[], byte[]> out = handleRecord(record);
          sends.add(new Sent(record, out, producer.send(out)));
          next.put(tp, record.offset() + 1);
        } catch (InfrastructureException | RuntimeException e) {
          Log.warn("record not handled, will retry", "topic", record.topic(), "partition", record.partition(),
              "offset", record.offset(), "error", describe(e));
          failed = true;
        }
      }
    }

    // Wait for every reply and dead letter of the batch; only then may offsets move.
    try {
      producer.flush();
      for (Sent sent : sends) {
        acknowledged(producer, sent);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      rewind(consumer, first);
      return;
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      Log.warn("publish not acknowledged, will retry the batch", "error", describe(e));
      rewind(consumer, first);
      sleep(backoff());
      return;
    }

    if (!next.isEmpty()) {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      next.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
      try {
        consumer.commitSync(offsets);
      } catch (KafkaException e) {
        // Replies are out; a redelivery is answered from the store.
        Log.warn("offset commit failed", "error", describe(e));
      }
    }
    // Records not handled (a failure, or a stop) are fetched again from where their partition stopped.
    Map<TopicPartition, Long> resume = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : first.entrySet()) {
      long from = next.getOrDefault(e.getKey(), e.getValue());
      long end = records.records(e.getKey()).get(records.records(e.getKey()).size() - 1).offset() + 1;
      if (from < end) {
        resume.put(e.getKey(), from);
      }
    }
    if (!resume.isEmpty()) {
      rewind(consumer, resume);
    }
    if (failed) {
      sleep(backoff());
    } else {
      backoffMs = BACKOFF_MIN_MS;
    }
  }

  /** A record sent (the reply or dead letter of {@code original}), with the broker's answer to come. */
  private record Sent(ConsumerRecord<byte[], byte[]> original, ProducerRecord<byte[], byte[]> record,
      Future<RecordMetadata> answer) {}

  /**
   * Waits for the broker to acknowledge a record. What the broker refuses on every retry would hold
   * the partition for ever, so it is not retried. A record refused as too large goes again in a form
   * that fits: a dead letter (the original was near the limit, the {@code dlq-*} headers took it over)
   * stripped (Messages.stripped), a reply cut down with its status kept (Messages.replyTooLarge; duty 8).
   * A reply whose topic is refused for good (not authorized, invalid) has its command dead-lettered
   * instead (duty 9). The stored outcome stays as it was, and answers a replay.
   */
  private void acknowledged(Producer<byte[], byte[]> producer, Sent sent)
      throws InterruptedException, ExecutionException, TimeoutException {
    try {
      sent.answer().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      ProducerRecord<byte[], byte[]> record = sent.record();
      String refusal = refusedTopicCode(e.getCause());
      if (refusal != null && !Messages.isDeadLetter(record)) {
        ProducerRecord<byte[], byte[]> deadLetter = Messages.deadLetter(sent.original(), config.deadLetterTopic(),
            Messages.replyRefusedReason(record.topic(), refusal), Instant.now());
        Log.error("handled command dead-lettered: the broker refuses its reply topic", "topic", record.topic(),
            "code", refusal, "partition", sent.original().partition(), "offset", sent.original().offset());
        acknowledged(producer, new Sent(sent.original(), deadLetter, producer.send(deadLetter)));
        return;
      }
      String code = tooLargeCode(e.getCause());
      if (code == null) {
        throw e;
      }
      ProducerRecord<byte[], byte[]> instead;
      if (Messages.isDeadLetter(record)) {
        instead = Messages.stripped(record);
        Log.warn("dead letter too large for its topic: sent without its value", "topic", record.topic());
      } else {
        instead = Messages.replyTooLarge(record, code);
        if (instead == null) {
          throw e;
        }
        Log.error("reply too large for the broker: sent without its result or details", "topic", record.topic(),
            "sagaId", new String(record.key(), StandardCharsets.UTF_8), "code", code, "bytes", record.value().length);
      }
      producer.send(instead).get(60, TimeUnit.SECONDS);
    }
  }

  /** The broker's code for a record it refuses as too large (whatever the retry), or null. */
  private static String tooLargeCode(Throwable error) {
    if (error instanceof RecordTooLargeException) {
      return "MESSAGE_TOO_LARGE";
    }
    if (error instanceof RecordBatchTooLargeException) {
      return "RECORD_LIST_TOO_LARGE";
    }
    return null;
  }

  /** The broker's code for a topic it refuses to take records on whatever the retry, or null. */
  private static String refusedTopicCode(Throwable error) {
    if (error instanceof TopicAuthorizationException) {
      return "TOPIC_AUTHORIZATION_FAILED";
    }
    if (error instanceof InvalidTopicException) {
      return "INVALID_TOPIC_EXCEPTION";
    }
    return null;
  }

  /** One record → its reply, or its dead letter. Throws when the database fails (nothing answered). */
  ProducerRecord<byte[], byte[]> handleRecord(ConsumerRecord<byte[], byte[]> record) throws InfrastructureException {
    CommandValidator.Result result = validator.validate(record.value());
    if (result instanceof CommandValidator.Invalid invalid) {
      Log.warn("dead-lettered", "topic", record.topic(), "partition", record.partition(), "offset", record.offset(),
          "reason", invalid.reason());
      return Messages.deadLetter(record, config.deadLetterTopic(), invalid.reason(), Instant.now());
    }
    Command command = ((CommandValidator.Valid) result).command();
    ObjectNode outcome;
    String source;
    if (ShippingHandlers.serves(command)) {
      Store.Handled handled = store.handle(command);
      outcome = handled.outcome();
      source = handled.replayed() ? "stored" : "handled";
      if (handled.closedForwardKey()) {
        Log.info("forward key closed", "sagaId", command.sagaId(), "stepId", command.stepId(),
            "key", command.forwardKey());
      }
    } else {
      // The store comes first even without a handler: in a rolling deploy a newer instance may have
      // applied this key, and its stored outcome (or a closed key's refusal) is the answer (duty 2).
      ObjectNode stored = store.storedOutcome(command);
      outcome = stored != null ? stored : unknownCommand(command);
      source = stored != null ? "stored" : "unknown-command";
    }
    Log.info("command answered", "sagaId", command.sagaId(), "stepId", command.stepId(), "action",
        command.action(), "attempt", command.attempt(), "commandType", command.commandType(), "key",
        command.idempotencyKey(), "status", Outcomes.status(outcome), "code", outcome.path("code").asText("-"),
        "source", source, "partition", record.partition(), "offset", record.offset());
    return Messages.reply(command, outcome, Instant.now(), record.headers());
  }

  /** {@code error} {@code UNKNOWN_COMMAND}, {@code retryable: false}: never stored, and no key is closed. */
  private ObjectNode unknownCommand(Command command) {
    return Outcomes.error("UNKNOWN_COMMAND", "participant " + config.participant + " has no handler for command type "
        + command.commandType() + " (action " + command.action() + ")", Boolean.FALSE);
  }

  private void rewind(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> offsets) {
    offsets.forEach((tp, offset) -> {
      try {
        consumer.seek(tp, offset);
      } catch (IllegalStateException e) {
        // no longer assigned: the new owner starts from the committed offset
      }
    });
  }

  private void waitForTopic() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBrokers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "java-participant-" + config.participant + "-admin");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    try (Admin admin = Admin.create(props)) {
      long pause = BACKOFF_MIN_MS;
      while (running) {
        try {
          admin.describeTopics(List.of(config.commandTopic())).allTopicNames().get(10, TimeUnit.SECONDS);
          Log.info("command topic found", "topic", config.commandTopic());
          try {
            admin.describeTopics(List.of(config.deadLetterTopic())).allTopicNames().get(10, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            Log.warn("dead-letter topic missing: dead letters will wait for it", "topic", config.deadLetterTopic());
          }
          return;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof UnknownTopicOrPartitionException) {
            Log.info("waiting for the command topic (the coordinator creates it)", "topic", config.commandTopic());
          } else {
            Log.warn("cannot reach the brokers yet", "error", describe(e));
          }
        } catch (TimeoutException e) {
          Log.warn("cannot reach the brokers yet", "error", "timed out");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        sleep(pause);
        pause = Math.min(pause * 2, BACKOFF_MAX_MS);
      }
    }
  }

  private Properties consumerProps() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBrokers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "java-participant-" + config.participant);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }

  private Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBrokers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "java-participant-" + config.participant + "-producer");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  private long backoff() {
    long current = backoffMs;
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    return current;
  }

  /** Sleeps, cut short by a stop request. */
  private void sleep(long ms) {
    long until = System.currentTimeMillis() + ms;
    while (running && System.currentTimeMillis() < until) {
      try {
        Thread.sleep(Math.min(100, Math.max(1, until - System.currentTimeMillis())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    if (e instanceof ExecutionException && e.getCause() != null) {
      root = e.getCause();
    }
    String message = root.getMessage();
    String text = root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    if (root.getCause() != null && root.getCause() != root && root.getCause().getMessage() != null) {
      text += " (" + root.getCause().getMessage() + ")";
    }
    return text;
  }
}
