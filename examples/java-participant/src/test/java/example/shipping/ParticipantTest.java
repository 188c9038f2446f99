package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ParticipantTest {
  private static final TopicPartition COMMANDS = new TopicPartition("staging.shipping.commands", 1);
  private static final String KEY = CommandValidatorTest.SAGA + ":schedule-shipping";
  private static final String WHY = "the result was too large for the broker (MESSAGE_TOO_LARGE); the participant"
      + " keeps it under the command's idempotency key";

  /** A producer that refuses, as a broker does, every record whose value is over {@code limit} bytes. */
  private static final class SizeLimitedProducer extends MockProducer<byte[], byte[]> {
    private final int limit;
    final List<ProducerRecord<byte[], byte[]>> refused = new ArrayList<>();

    SizeLimitedProducer(int limit) {
      super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
      this.limit = limit;
    }

    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
      if (record.value() != null && record.value().length > limit) {
        refused.add(record);
        return CompletableFuture.failedFuture(new RecordTooLargeException("The message is "
            + record.value().length + " bytes when serialized which is larger than " + limit));
      }
      return super.send(record, callback);
    }
  }

  /** A producer whose broker refuses every record for {@code topic} with {@code refusal}. */
  private static final class TopicRefusingProducer extends MockProducer<byte[], byte[]> {
    private final String topic;
    private final RuntimeException refusal;

    TopicRefusingProducer(String topic, RuntimeException refusal) {
      super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
      this.topic = topic;
      this.refusal = refusal;
    }

    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
      if (record.topic().equals(topic)) {
        return CompletableFuture.failedFuture(refusal);
      }
      return super.send(record, callback);
    }
  }

  /**
   * A store in memory: {@code handle} answers a key's stored outcome, or else {@code handlerOutcome}
   * (kept); {@code storedOutcome} reads without writing. It records the commands it handled.
   */
  private static final class FakeStore implements CommandStore {
    final Map<String, ObjectNode> outcomes = new HashMap<>();
    final List<Command> handled = new ArrayList<>();
    private final ObjectNode handlerOutcome;

    FakeStore(ObjectNode handlerOutcome) {
      this.handlerOutcome = handlerOutcome;
    }

    @Override
    public Store.Handled handle(Command command) {
      handled.add(command);
      ObjectNode stored = outcomes.get(command.idempotencyKey());
      if (stored != null) {
        return new Store.Handled(stored, true, false);
      }
      outcomes.put(command.idempotencyKey(), handlerOutcome);
      return new Store.Handled(handlerOutcome, false, false);
    }

    @Override
    public ObjectNode storedOutcome(Command command) {
      return outcomes.get(command.idempotencyKey());
    }
  }

  private static Participant participant(CommandStore store) {
    return new Participant(
        new Config("127.0.0.1:9092", null, "staging.", "shipping", "java_shipping", "staging.shipping.participant"),
        store);
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, ObjectNode command) {
    return new ConsumerRecord<>(COMMANDS.topic(), COMMANDS.partition(), offset,
        command.get("sagaId").asText().getBytes(StandardCharsets.UTF_8),
        Json.write(command).getBytes(StandardCharsets.UTF_8));
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Handles one command whose stored outcome is {@code outcome} on a producer limited to 2,000 bytes. */
  private static Run handleOne(ObjectNode outcome) {
    Participant participant = participant(new FakeStore(outcome));
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.assign(List.of(COMMANDS));
    SizeLimitedProducer producer = new SizeLimitedProducer(2_000);
    ConsumerRecord<byte[], byte[]> command = new ConsumerRecord<>(COMMANDS.topic(), COMMANDS.partition(), 41L,
        CommandValidatorTest.SAGA.getBytes(StandardCharsets.UTF_8),
        Json.write(CommandValidatorTest.command()).getBytes(StandardCharsets.UTF_8));

    participant.handleBatch(consumer, producer, new ConsumerRecords<>(Map.of(COMMANDS, List.of(command)), Map.of()));
    return new Run(producer, consumer.committed(Set.of(COMMANDS)).get(COMMANDS));
  }

  /** What one batch sent, and the offset it committed (null: none). */
  private record Run(SizeLimitedProducer producer, OffsetAndMetadata committed) {
    JsonNode sentBody() throws Exception {
      assertEquals(1, producer.history().size());
      return Json.parse(new String(producer.history().get(0).value(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aSuccessTooLargeForTheBrokerIsSentCutDownAndTheCommandIsCommitted() throws Exception {
    Run h = handleOne(Outcomes.success(Json.object().put("label", "x".repeat(10_000))));

    JsonNode body = h.sentBody();
    assertEquals(1, h.producer().refused.size());
    ProducerRecord<byte[], byte[]> sent = h.producer().history().get(0);
    ProducerRecord<byte[], byte[]> refused = h.producer().refused.get(0);
    assertEquals("staging.saga.replies", sent.topic());
    assertEquals(CommandValidatorTest.SAGA, new String(sent.key(), StandardCharsets.UTF_8));
    assertEquals(List.of(refused.headers().toArray()), List.of(sent.headers().toArray()));
    assertEquals("reply:" + CommandValidatorTest.SAGA + ":schedule-shipping:execute:1", body.get("messageId").asText());
    assertEquals("{\"status\":\"success\",\"result\":{\"replyTooLarge\":\"" + WHY + "\"}}",
        Json.write(body.get("outcome")));
    assertEquals(new OffsetAndMetadata(42L), h.committed());
  }

  @Test
  void aRefusalTooLargeForTheBrokerKeepsItsCodeAndMessageWithoutDetails() throws Exception {
    ObjectNode details = Json.object().put("problems", "p".repeat(10_000));
    Run h = handleOne(Outcomes.failure("INVALID_PAYLOAD", "the payload does not fit", details));

    assertEquals("{\"status\":\"failure\",\"code\":\"INVALID_PAYLOAD\",\"message\":\"the payload does not fit\"}",
        Json.write(h.sentBody().get("outcome")));
    assertEquals(new OffsetAndMetadata(42L), h.committed());
  }

  @Test
  void aReplyThatFitsIsSentAsItIs() throws Exception {
    Run h = handleOne(Outcomes.success(Json.object().put("shipmentId", "shp:x")));

    assertEquals(List.of(), h.producer().refused);
    assertEquals("{\"status\":\"success\",\"result\":{\"shipmentId\":\"shp:x\"}}", Json.write(h.sentBody().get("outcome")));
    assertEquals(new OffsetAndMetadata(42L), h.committed());
  }

  @Test
  void anErrorHasNoCutDownForm() {
    assertNull(Outcomes.cutDown(Outcomes.error("INTERNAL", "m", null), WHY));
  }

  /** Attempt 2 of the step's command, of a type this instance has no handler for (a rolling deploy). */
  private static ObjectNode unservedRetry() {
    ObjectNode json = CommandValidatorTest.command();
    json.put("commandType", "shipping.expedite");
    json.put("attempt", 2);
    json.put("messageId", KEY + ":execute:2");
    return json;
  }

  @Test
  void aCommandTypeWithoutAHandlerIsAnsweredWithTheOutcomeStoredUnderItsKey() throws Exception {
    ObjectNode stored = Outcomes.success(Json.object().put("shipmentId", "shp:newer-instance"));
    FakeStore store = new FakeStore(null);
    store.outcomes.put(KEY, stored);

    ProducerRecord<byte[], byte[]> reply = participant(store).handleRecord(record(41, unservedRetry()));

    JsonNode body = Json.parse(new String(reply.value(), StandardCharsets.UTF_8));
    assertEquals(Json.write(stored), Json.write(body.get("outcome")));
    assertEquals(2, body.get("attempt").asInt());
    assertEquals(List.of(), store.handled);
  }

  @Test
  void aCommandTypeWithoutAHandlerAndNothingStoredIsRefusedUnknownCommandAndNothingIsStored() throws Exception {
    FakeStore store = new FakeStore(null);

    ProducerRecord<byte[], byte[]> reply = participant(store).handleRecord(record(41, unservedRetry()));

    JsonNode outcome = Json.parse(new String(reply.value(), StandardCharsets.UTF_8)).get("outcome");
    assertEquals("error", outcome.get("status").asText());
    assertEquals("UNKNOWN_COMMAND", outcome.get("code").asText());
    assertEquals(false, outcome.get("retryable").asBoolean(true));
    assertEquals(Map.of(), store.outcomes);
    assertEquals(List.of(), store.handled);
  }

  /** Two commands on one partition, the first answered on {@code replyTo}, through {@code producer}. */
  private static MockConsumer<byte[], byte[]> handleTwo(String replyTo, MockProducer<byte[], byte[]> producer) {
    ObjectNode first = CommandValidatorTest.command();
    first.put("replyTo", replyTo);
    ObjectNode second = CommandValidatorTest.command();
    second.put("stepId", "schedule-express");
    second.put("idempotencyKey", CommandValidatorTest.SAGA + ":schedule-express");
    second.put("messageId", CommandValidatorTest.SAGA + ":schedule-express:execute:1");
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.assign(List.of(COMMANDS));
    participant(new FakeStore(Outcomes.success(Json.object().put("shipmentId", "shp:x"))))
        .handleBatch(consumer, producer, new ConsumerRecords<>(
            Map.of(COMMANDS, List.of(record(41, first), record(42, second))), Map.of()));
    return consumer;
  }

  private static void assertReplyRefusedIsDeadLettered(RuntimeException refusal, String brokerCode) {
    TopicRefusingProducer producer = new TopicRefusingProducer("staging.saga.refused", refusal);

    MockConsumer<byte[], byte[]> consumer = handleTwo("staging.saga.refused", producer);

    List<ProducerRecord<byte[], byte[]>> deadLetters = producer.history().stream()
        .filter(r -> r.topic().equals("staging.shipping.commands.dlq")).toList();
    assertEquals(1, deadLetters.size());
    ProducerRecord<byte[], byte[]> deadLetter = deadLetters.get(0);
    assertEquals("41", header(deadLetter, "dlq-original-offset"));
    assertEquals(CommandValidatorTest.SAGA, new String(deadLetter.key(), StandardCharsets.UTF_8));
    assertTrue(new String(deadLetter.value(), StandardCharsets.UTF_8).contains("\"staging.saga.refused\""));
    String reason = header(deadLetter, "dlq-reason");
    assertTrue(reason.startsWith("reply refused: ") && reason.contains("\"staging.saga.refused\"")
        && reason.contains(brokerCode), reason);
    assertEquals(1, producer.history().stream().filter(r -> r.topic().equals("staging.saga.replies")).count());
    assertEquals(new OffsetAndMetadata(43L), consumer.committed(Set.of(COMMANDS)).get(COMMANDS));
  }

  @Test
  void aCommandWhoseReplyTopicIsNotAuthorizedIsDeadLetteredAndThePartitionGoesOn() {
    assertReplyRefusedIsDeadLettered(new TopicAuthorizationException(Set.of("staging.saga.refused")),
        "TOPIC_AUTHORIZATION_FAILED");
  }

  @Test
  void aCommandWhoseReplyTopicIsInvalidIsDeadLetteredAndThePartitionGoesOn() {
    assertReplyRefusedIsDeadLettered(new InvalidTopicException("Invalid topic: staging.saga.refused"),
        "INVALID_TOPIC_EXCEPTION");
  }

  @Test
  void aReplyThatFailsForNowRewindsThePartitionWithoutADeadLetter() {
    TopicRefusingProducer producer = new TopicRefusingProducer("staging.saga.replies",
        new NotEnoughReplicasException("not enough in-sync replicas"));

    MockConsumer<byte[], byte[]> consumer = handleTwo("staging.saga.replies", producer);

    assertEquals(List.of(), producer.history());
    assertNull(consumer.committed(Set.of(COMMANDS)).get(COMMANDS));
    assertEquals(41L, consumer.position(COMMANDS));
  }
}
