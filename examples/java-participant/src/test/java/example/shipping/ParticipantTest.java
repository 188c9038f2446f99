package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ParticipantTest {
  private static final TopicPartition COMMANDS = new TopicPartition("staging.shipping.commands", 1);
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

  /** Handles one command whose stored outcome is {@code outcome} on a producer limited to 2,000 bytes. */
  private static Run handleOne(ObjectNode outcome) {
    Participant participant = new Participant(
        new Config("127.0.0.1:9092", null, "staging.", "shipping", "java_shipping", "staging.shipping.participant"),
        command -> new Store.Handled(outcome, false, false));
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
}
