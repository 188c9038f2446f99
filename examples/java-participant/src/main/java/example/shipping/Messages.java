package example.shipping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Builds the records a participant writes: replies (section 4) and dead letters (sections 3 and 5.9). Pure. */
final class Messages {
  static final String H_MESSAGE_ID = "saga-message-id";
  static final String H_SAGA_ID = "saga-id";
  static final String H_SAGA_TYPE = "saga-type";
  static final String H_STEP_ID = "saga-step-id";
  static final String H_ATTEMPT = "saga-attempt";
  static final String H_MESSAGE_TYPE = "saga-message-type";
  static final String H_CONTENT_TYPE = "content-type";
  static final String H_SCHEMA_VERSION = "saga-schema-version";
  static final String H_TRACEPARENT = "traceparent";
  static final String H_TRACESTATE = "tracestate";

  private static final DateTimeFormatter UTC_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Messages() {}

  /** UTC with milliseconds, as the coordinator and the kit write times. */
  static String time(Instant at) {
    return UTC_MILLIS.format(at.truncatedTo(ChronoUnit.MILLIS));
  }

  /** The reply body: echoes the command's sagaId, stepId, action and attempt; messageId {@code reply:<command id>}. */
  static ObjectNode replyBody(Command command, JsonNode outcome, Instant at) {
    ObjectNode reply = Json.object();
    reply.put("messageId", CommandValidator.REPLY_ID_PREFIX + command.messageId());
    reply.put("sagaId", command.sagaId());
    reply.put("stepId", command.stepId());
    reply.put("action", command.action());
    reply.put("attempt", command.attempt());
    reply.set("outcome", outcome);
    reply.put("repliedAt", time(at));
    return reply;
  }

  /** The reply record: on {@code replyTo}, keyed by sagaId, with the reply headers of section 3. */
  static ProducerRecord<byte[], byte[]> reply(Command command, JsonNode outcome, Instant at, Headers commandHeaders) {
    ObjectNode body = replyBody(command, outcome, at);
    RecordHeaders headers = new RecordHeaders();
    add(headers, H_MESSAGE_ID, body.get("messageId").textValue());
    add(headers, H_SAGA_ID, command.sagaId());
    add(headers, H_SAGA_TYPE, command.sagaType());
    add(headers, H_STEP_ID, command.stepId());
    add(headers, H_ATTEMPT, Long.toString(command.attempt()));
    add(headers, H_MESSAGE_TYPE, "saga.reply");
    add(headers, H_CONTENT_TYPE, "application/json");
    add(headers, H_SCHEMA_VERSION, "1");
    if (commandHeaders != null) {
      // No tracer here: pass the command's trace context on, so the reply stays in the saga's trace.
      for (String name : new String[] {H_TRACEPARENT, H_TRACESTATE}) {
        Header h = commandHeaders.lastHeader(name);
        if (h != null && h.value() != null) {
          headers.add(name, h.value());
        }
      }
    }
    return new ProducerRecord<>(command.replyTo(), null, bytes(command.sagaId()),
        Json.write(body).getBytes(StandardCharsets.UTF_8), headers);
  }

  /** A dead letter: the original key, value and headers, plus the {@code dlq-*} headers. */
  static ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> original, String dlqTopic,
      String reason, Instant at) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : original.headers()) {
      if (!h.key().startsWith("dlq-")) {
        headers.add(h.key(), h.value());
      }
    }
    add(headers, "dlq-reason", reason);
    add(headers, "dlq-original-topic", original.topic());
    add(headers, "dlq-original-partition", Integer.toString(original.partition()));
    add(headers, "dlq-original-offset", Long.toString(original.offset()));
    add(headers, "dlq-failed-at", time(at));
    return new ProducerRecord<>(dlqTopic, null, original.key(), original.value(), headers);
  }

  /**
   * The {@code dlq-reason} of a handled command whose reply topic the broker refuses for good
   * ({@code brokerCode}, e.g. {@code TOPIC_AUTHORIZATION_FAILED}; duty 9), as the TypeScript kit words it.
   */
  static String replyRefusedReason(String replyTopic, String brokerCode) {
    return "reply refused: the broker refuses the reply topic \"" + replyTopic + "\" (" + brokerCode + "); the"
        + " command was handled and its outcome is kept under its idempotency key, which answers a replay";
  }

  /** Whether a record this participant writes is a dead letter (it carries {@code dlq-reason}). */
  static boolean isDeadLetter(ProducerRecord<byte[], byte[]> record) {
    return record.headers().lastHeader("dlq-reason") != null;
  }

  /**
   * The dead letter in its last-resort form, for one too large for its topic (contract section 3):
   * its {@code dlq-*} headers and key, no value and none of the original's headers, and
   * {@code dlq-value-truncated: true}, so that it fits and the partition goes on.
   */
  static ProducerRecord<byte[], byte[]> stripped(ProducerRecord<byte[], byte[]> deadLetter) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : deadLetter.headers()) {
      if (h.key().startsWith("dlq-") && !h.key().equals("dlq-value-truncated")) {
        headers.add(h.key(), h.value());
      }
    }
    add(headers, "dlq-value-truncated", "true");
    return new ProducerRecord<>(deadLetter.topic(), null, deadLetter.key(), null, headers);
  }

  /**
   * The reply to send in place of one the broker refuses as too large ({@code brokerCode}, e.g.
   * {@code MESSAGE_TOO_LARGE}; contract duty 8): the same topic, key, headers and envelope, its
   * outcome cut down with its status kept (Outcomes.cutDown). It would be refused on every
   * redelivery, the stored outcome being the same. Null when {@code reply} holds no reply envelope,
   * or an {@code error} (small, so not the cause).
   */
  static ProducerRecord<byte[], byte[]> replyTooLarge(ProducerRecord<byte[], byte[]> reply, String brokerCode) {
    JsonNode body;
    try {
      body = reply.value() == null ? null : Json.parse(new String(reply.value(), StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      return null;
    }
    if (body == null || !body.isObject() || !body.path("outcome").isObject()) {
      return null;
    }
    String why = "the result was too large for the broker (" + brokerCode
        + "); the participant keeps it under the command's idempotency key";
    ObjectNode outcome = Outcomes.cutDown(body.get("outcome"), why);
    if (outcome == null) {
      return null;
    }
    ((ObjectNode) body).set("outcome", outcome); // a fresh parse: in place, in its position
    return new ProducerRecord<>(reply.topic(), null, reply.key(), Json.write(body).getBytes(StandardCharsets.UTF_8),
        new RecordHeaders(reply.headers().toArray()));
  }

  private static void add(RecordHeaders headers, String name, String value) {
    headers.add(name, bytes(value));
  }

  private static byte[] bytes(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
