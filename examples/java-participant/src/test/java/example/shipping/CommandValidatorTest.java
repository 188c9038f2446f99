package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandValidatorTest {
  static final String SAGA = "3f1c2a9e-8b7d-4c1e-9a2f-5d6e7f809a1b";

  /** The contract's example command, addressed to shipping. */
  static ObjectNode command() {
    ObjectNode c = Json.object();
    c.put("messageId", SAGA + ":schedule-shipping:execute:1");
    c.put("sagaId", SAGA);
    c.put("sagaType", "order");
    c.put("sagaVersion", 1);
    c.put("stepId", "schedule-shipping");
    c.put("action", "execute");
    c.put("attempt", 1);
    c.put("participant", "shipping");
    c.put("commandType", "shipping.schedule");
    c.put("idempotencyKey", SAGA + ":schedule-shipping");
    ObjectNode payload = c.putObject("payload");
    payload.put("orderId", "1042");
    payload.put("customerId", "c-7");
    ObjectNode item = payload.putArray("items").addObject();
    item.put("sku", "apple");
    item.put("quantity", 2);
    c.put("replyTo", "staging.saga.replies");
    c.put("sentAt", "2026-12-03T09:00:00.000Z");
    return c;
  }

  private final CommandValidator validator = new CommandValidator("shipping", "staging.");

  private CommandValidator.Result check(String json) {
    return validator.validate(json.getBytes(StandardCharsets.UTF_8));
  }

  private String reason(String json) {
    CommandValidator.Result r = check(json);
    return assertInstanceOf(CommandValidator.Invalid.class, r, () -> "expected a dead letter for " + json).reason();
  }

  @Test
  void acceptsTheContractExample() {
    Command c = assertInstanceOf(CommandValidator.Valid.class, check(Json.write(command()))).command();
    assertEquals(SAGA, c.sagaId());
    assertEquals(1, c.attempt());
    assertEquals("execute", c.action());
    assertNull(c.outcomeUnknown());
    assertEquals(SAGA + ":schedule-shipping", c.forwardKey());
  }

  @Test
  void acceptsACompensationWithOutcomeUnknown() {
    ObjectNode c = command();
    c.put("action", "compensate");
    c.put("commandType", "shipping.cancel");
    c.put("idempotencyKey", SAGA + ":schedule-shipping:compensate");
    c.put("outcomeUnknown", true);
    Command parsed = assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c))).command();
    assertTrue(parsed.isCompensation());
    assertEquals(Boolean.TRUE, parsed.outcomeUnknown());
  }

  @Test
  void refusesOutcomeUnknownOnExecute() {
    ObjectNode c = command();
    c.put("outcomeUnknown", false);
    assertEquals("invalid command: outcomeUnknown: only allowed on compensations", reason(Json.write(c)));
  }

  @Test
  void noBodyNotJsonNotUtf8() {
    assertEquals("invalid command: (root): the message has no body",
        assertInstanceOf(CommandValidator.Invalid.class, validator.validate(null)).reason());
    assertEquals("invalid command: (root): the message has no body",
        assertInstanceOf(CommandValidator.Invalid.class, validator.validate(new byte[0])).reason());
    assertEquals("invalid command: (root): not valid JSON", reason("{not json"));
    assertEquals("invalid command: (root): not valid JSON", reason("{} {}"));
    assertEquals("invalid command: (root): expected an object, received array", reason("[1]"));
    byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
    assertEquals("invalid command: (root): the value is not valid UTF-8",
        assertInstanceOf(CommandValidator.Invalid.class, validator.validate(bad)).reason());
  }

  @Test
  void refusesUnknownAndMissingFields() {
    ObjectNode c = command();
    c.put("extra", 1);
    c.remove("sentAt");
    String r = reason(Json.write(c));
    assertTrue(r.contains("(root): unrecognized key \"extra\""), r);
    assertTrue(r.contains("sentAt: required"), r);
  }

  @Test
  void checksTypesLimitsAndCounters() {
    ObjectNode c = command();
    c.put("sagaId", "x".repeat(201));
    assertTrue(reason(Json.write(c)).contains("sagaId: must be 1-200 characters, got 201"));
    c = command();
    c.put("stepId", "");
    assertTrue(reason(Json.write(c)).contains("stepId: must be 1-200 characters"));
    c = command();
    c.put("attempt", 0);
    assertTrue(reason(Json.write(c)).contains("attempt: must be an integer from 1 to 1000000000"));
    c = command();
    c.put("sagaVersion", 1_000_000_001L);
    assertTrue(reason(Json.write(c)).contains("sagaVersion: must be an integer"));
    c = command();
    c.put("attempt", 1.5);
    assertTrue(reason(Json.write(c)).contains("attempt: expected an integer"));
    c = command();
    c.put("attempt", "1");
    assertTrue(reason(Json.write(c)).contains("attempt: expected an integer, received string"));
    c = command();
    c.put("action", "undo");
    assertTrue(reason(Json.write(c)).contains("action: must be \"execute\" or \"compensate\""));
    // 2.0 is the integer 2 in JSON (as in JavaScript)
    c = command();
    c.put("attempt", 2.0);
    assertEquals(2, assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c))).command().attempt());
  }

  @Test
  void countsLengthsInUnicodeCodePointsAsTheCoordinatorDoes() {
    ObjectNode c = command();
    c.put("commandType", "😀".repeat(150)); // 150 code points (300 UTF-16 units): within 200
    assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c)));
    c.put("commandType", "😀".repeat(200) + "x"); // 201 code points
    assertTrue(reason(Json.write(c)).contains("commandType: must be 1-200 characters, got 201"));
    c = command();
    c.put("messageId", "😀".repeat(494)); // with "reply:", 500 code points: it can be echoed
    assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c)));
  }

  @Test
  void refusesBadTimes() {
    for (String bad : new String[] {"2026-12-03T09:00Z", "2026-12-03T09:00:00+0100", "2026-12-03 09:00:00Z",
        "2026-12-03T09:00:00", "2026-02-30T09:00:00Z", "2026-12-03T24:00:00Z"}) {
      ObjectNode c = command();
      c.put("sentAt", bad);
      assertTrue(reason(Json.write(c)).contains("sentAt: not an RFC 3339 time"), bad);
    }
    for (String good : new String[] {"2026-12-03T10:00:00+01:00", "2026-12-03T09:00:00Z",
        "2026-12-03T09:00:00.123456Z", "2028-02-29T00:00:00-05:30"}) {
      ObjectNode c = command();
      c.put("sentAt", good);
      assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c)), good);
    }
  }

  @Test
  void refusesTextPostgresCannotStore() {
    String nulInPayload = Json.write(command()).replace("\"apple\"", "\"ap\\u0000ple\"");
    assertEquals("invalid command: payload.items.0.sku: must not contain U+0000 (NUL): it cannot be stored",
        reason(nulInPayload));
    String loneSurrogate = Json.write(command()).replace("\"c-7\"", "\"c-\\ud800\"");
    assertEquals("invalid command: payload.customerId: must not contain a lone UTF-16 surrogate: it cannot be stored",
        reason(loneSurrogate));
    String badKey = Json.write(command()).replace("\"customerId\"", "\"cust\\u0000\"");
    assertTrue(reason(badKey).startsWith("invalid command: payload: an object key must not contain U+0000"));
  }

  @Test
  void refusesAPayloadDeeperThan512OrWithAProtoKey() throws Exception {
    ObjectNode atLimit = command();
    atLimit.set("payload", Json.parse("[".repeat(512) + "]".repeat(512)));
    assertInstanceOf(CommandValidator.Valid.class, check(Json.write(atLimit)));
    ObjectNode over = command();
    over.set("payload", Json.parse("[".repeat(513) + "]".repeat(513)));
    assertEquals("invalid command: payload: nested deeper than 512 arrays and objects", reason(Json.write(over)));
    String proto = Json.write(command()).replace("\"customerId\"", "\"__proto__\"");
    assertEquals("invalid command: payload: an object key must not be __proto__", reason(proto));
  }

  @Test
  void refusesAnotherParticipantsCommand() {
    ObjectNode c = command();
    c.put("participant", "payment");
    assertEquals("invalid command: participant: addressed to payment, not shipping", reason(Json.write(c)));
  }

  @Test
  void refusesAReplyToOutsideTheEnvironment() {
    ObjectNode c = command();
    c.put("replyTo", "saga.replies");
    assertEquals("invalid command: replyTo: not a topic of this environment (prefix \"staging.\")",
        reason(Json.write(c)));
    c.put("replyTo", "staging.saga replies");
    assertTrue(reason(Json.write(c)).startsWith("invalid command: replyTo: not a topic"));
    // With no prefix, any legal topic name will do, but Kafka's own and the dot names.
    CommandValidator open = new CommandValidator("shipping", "");
    assertInstanceOf(CommandValidator.Valid.class,
        open.validate(Json.write(command()).getBytes(StandardCharsets.UTF_8)));
    for (String refused : new String[] {".", "..", "__consumer_offsets"}) {
      c.put("replyTo", refused);
      assertInstanceOf(CommandValidator.Invalid.class,
          open.validate(Json.write(c).getBytes(StandardCharsets.UTF_8)), refused);
    }
  }

  @Test
  void refusesAMessageIdTooLongToEcho() {
    ObjectNode c = command();
    c.put("messageId", "m".repeat(494));
    assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c)));
    c.put("messageId", "m".repeat(495));
    assertTrue(reason(Json.write(c)).startsWith("invalid command: cannot be answered: messageId is 495"));
  }

  @Test
  void cutsLongReasonsAtAThousandCharacters() {
    ObjectNode c = command();
    for (int i = 0; i < 100; i++) {
      c.put("unknownField" + i, i);
    }
    String r = reason(Json.write(c));
    assertEquals(1000, r.length());
    assertTrue(r.endsWith("…"));
    assertFalse(CommandValidator.cut("short").endsWith("…"));
  }

  @Test
  void acceptsAnyJsonPayloadIncludingNull() {
    ObjectNode c = command();
    c.putNull("payload");
    assertInstanceOf(CommandValidator.Valid.class, check(Json.write(c)));
    c.remove("payload");
    assertTrue(reason(Json.write(c)).contains("payload: required"));
  }
}
