package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class MessagesTest {
  private static Command command(ObjectNode json) {
    return assertInstanceOf(CommandValidator.Valid.class,
        new CommandValidator("shipping", "staging.").validate(Json.write(json).getBytes(StandardCharsets.UTF_8)))
        .command();
  }

  private static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void replyEchoesTheCommandAndCarriesTheHeaders() throws Exception {
    ObjectNode json = CommandValidatorTest.command();
    json.put("attempt", 3);
    json.put("messageId", CommandValidatorTest.SAGA + ":schedule-shipping:execute:3");
    Command c = command(json);
    ObjectNode result = Json.object().put("shipmentId", "shp:x");
    RecordHeaders in = new RecordHeaders();
    in.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> r = Messages.reply(c, Outcomes.success(result),
        Instant.parse("2026-12-03T09:00:00.042123Z"), in);

    assertEquals("staging.saga.replies", r.topic());
    assertEquals(CommandValidatorTest.SAGA, new String(r.key(), StandardCharsets.UTF_8));
    JsonNode body = Json.parse(new String(r.value(), StandardCharsets.UTF_8));
    assertEquals("reply:" + CommandValidatorTest.SAGA + ":schedule-shipping:execute:3", body.get("messageId").asText());
    assertEquals(CommandValidatorTest.SAGA, body.get("sagaId").asText());
    assertEquals("schedule-shipping", body.get("stepId").asText());
    assertEquals("execute", body.get("action").asText());
    assertEquals(3, body.get("attempt").asInt());
    assertTrue(body.get("attempt").isIntegralNumber());
    assertEquals("2026-12-03T09:00:00.042Z", body.get("repliedAt").asText());
    assertEquals("{\"status\":\"success\",\"result\":{\"shipmentId\":\"shp:x\"}}", Json.write(body.get("outcome")));
    List<String> fields = new ArrayList<>();
    body.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("messageId", "sagaId", "stepId", "action", "attempt", "outcome", "repliedAt"), fields);

    Headers h = r.headers();
    assertEquals(body.get("messageId").asText(), header(h, "saga-message-id"));
    assertEquals(CommandValidatorTest.SAGA, header(h, "saga-id"));
    assertEquals("order", header(h, "saga-type"));
    assertEquals("schedule-shipping", header(h, "saga-step-id"));
    assertEquals("3", header(h, "saga-attempt"));
    assertEquals("saga.reply", header(h, "saga-message-type"));
    assertEquals("application/json", header(h, "content-type"));
    assertEquals("1", header(h, "saga-schema-version"));
    assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", header(h, "traceparent"));
    assertNull(header(h, "tracestate"));
    assertNull(header(h, "saga-reply-to"));
  }

  @Test
  void outcomesHaveOnlyTheirFields() {
    assertEquals("{\"status\":\"success\",\"result\":null}", Json.write(Outcomes.success(null)));
    assertEquals("{\"status\":\"failure\",\"code\":\"INVALID_PAYLOAD\",\"message\":\"m\"}",
        Json.write(Outcomes.failure("INVALID_PAYLOAD", "m", null)));
    assertEquals("{\"status\":\"error\",\"code\":\"UNKNOWN_COMMAND\",\"message\":\"m\",\"retryable\":false}",
        Json.write(Outcomes.error("UNKNOWN_COMMAND", "m", Boolean.FALSE)));
    assertEquals("{\"status\":\"error\",\"code\":\"INTERNAL\",\"message\":\"m\"}",
        Json.write(Outcomes.error("INTERNAL", "m", null)));
    assertEquals(2000, Outcomes.failure("X", "y".repeat(5000), null).get("message").asText().length());
  }

  @Test
  void deadLetterKeepsKeyValueHeadersAndAddsTheDlqHeaders() {
    RecordHeaders in = new RecordHeaders();
    in.add("saga-id", "s-1".getBytes(StandardCharsets.UTF_8));
    ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>("staging.shipping.commands", 2, 41L,
        0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 3, 3,
        "s-1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}, in, java.util.Optional.empty());
    ProducerRecord<byte[], byte[]> d = Messages.deadLetter(original, "staging.shipping.commands.dlq",
        "invalid command: (root): not valid JSON", Instant.parse("2026-12-03T09:00:00Z"));
    assertEquals("staging.shipping.commands.dlq", d.topic());
    assertEquals("s-1", new String(d.key(), StandardCharsets.UTF_8));
    assertEquals(3, d.value().length);
    assertEquals("s-1", header(d.headers(), "saga-id"));
    assertEquals("invalid command: (root): not valid JSON", header(d.headers(), "dlq-reason"));
    assertEquals("staging.shipping.commands", header(d.headers(), "dlq-original-topic"));
    assertEquals("2", header(d.headers(), "dlq-original-partition"));
    assertEquals("41", header(d.headers(), "dlq-original-offset"));
    assertEquals("2026-12-03T09:00:00.000Z", header(d.headers(), "dlq-failed-at"));
    assertFalse(d.headers().headers("dlq-value-redacted").iterator().hasNext());
  }

  @Test
  void deadLetterOfATombstoneKeepsANullValue() {
    ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>("t", 0, 0L, null, null);
    ProducerRecord<byte[], byte[]> d = Messages.deadLetter(original, "t.dlq", "r", Instant.EPOCH);
    assertNull(d.key());
    assertNull(d.value());
  }

  @Test
  void aDeadLetterTooLargeGoesStrippedWithItsDlqHeadersAndKeyOnly() {
    RecordHeaders in = new RecordHeaders();
    in.add("saga-id", "s-1".getBytes(StandardCharsets.UTF_8));
    ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>("staging.shipping.commands", 2, 41L,
        0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 3, 3,
        "s-1".getBytes(StandardCharsets.UTF_8), new byte[1_048_000], in, java.util.Optional.empty());
    ProducerRecord<byte[], byte[]> d = Messages.deadLetter(original, "staging.shipping.commands.dlq",
        "invalid command: (root): not valid JSON", Instant.parse("2026-12-03T09:00:00Z"));
    ProducerRecord<byte[], byte[]> s = Messages.stripped(d);
    assertEquals(true, Messages.isDeadLetter(d));
    assertEquals("staging.shipping.commands.dlq", s.topic());
    assertEquals("s-1", new String(s.key(), StandardCharsets.UTF_8));
    assertNull(s.value());
    assertEquals("true", header(s.headers(), "dlq-value-truncated"));
    assertEquals("invalid command: (root): not valid JSON", header(s.headers(), "dlq-reason"));
    assertEquals("41", header(s.headers(), "dlq-original-offset"));
    assertFalse(s.headers().headers("saga-id").iterator().hasNext());
  }
}
