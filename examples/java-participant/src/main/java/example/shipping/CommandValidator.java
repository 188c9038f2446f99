package example.shipping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a command's bytes against the command envelope of CONTRACT.md section 4 and the
 * dead-letter cases of section 5.9. Pure: no I/O.
 */
final class CommandValidator {
  static final int ID_MAX = 200;
  static final int COMPOSITE_ID_MAX = 500;
  static final int JSON_MAX_CHARS = 1_000_000;
  static final long COUNTER_MAX = 1_000_000_000L;
  static final int REASON_MAX = 1000;
  static final String REPLY_ID_PREFIX = "reply:";

  private static final Set<String> FIELDS = Set.of("messageId", "sagaId", "sagaType", "sagaVersion", "stepId",
      "action", "attempt", "participant", "commandType", "idempotencyKey", "replyTo", "payload", "outcomeUnknown",
      "sentAt");
  private static final Pattern TOPIC_NAME = Pattern.compile("^[a-zA-Z0-9._-]{1,249}$");

  /** The outcome of a check: a command, or the reason to dead-letter the message. */
  sealed interface Result permits Valid, Invalid {}

  record Valid(Command command) implements Result {}

  record Invalid(String reason) implements Result {}

  private final String participant;
  private final String topicPrefix;

  CommandValidator(String participant, String topicPrefix) {
    this.participant = participant;
    this.topicPrefix = topicPrefix;
  }

  Result validate(byte[] value) {
    if (value == null || value.length == 0) {
      return invalid("(root): the message has no body");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value))
          .toString();
    } catch (CharacterCodingException e) {
      return invalid("(root): the value is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = Json.parse(text);
    } catch (JsonProcessingException | RuntimeException e) {
      return invalid("(root): not valid JSON");
    }
    if (root == null || root.isMissingNode()) {
      return invalid("(root): not valid JSON");
    }
    if (!root.isObject()) {
      return invalid("(root): expected an object, received " + typeOf(root));
    }

    List<String> problems = new ArrayList<>();
    storable(root, "", problems, 1);
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        problems.add("(root): unrecognized key " + display(name));
      }
    }
    String messageId = string(root, "messageId", COMPOSITE_ID_MAX, problems);
    String sagaId = string(root, "sagaId", ID_MAX, problems);
    String sagaType = string(root, "sagaType", ID_MAX, problems);
    long sagaVersion = counter(root, "sagaVersion", problems);
    String stepId = string(root, "stepId", ID_MAX, problems);
    String action = string(root, "action", ID_MAX, problems);
    if (action != null && !Command.EXECUTE.equals(action) && !Command.COMPENSATE.equals(action)) {
      problems.add("action: must be \"execute\" or \"compensate\"");
      action = null;
    }
    long attempt = counter(root, "attempt", problems);
    String addressee = string(root, "participant", ID_MAX, problems);
    String commandType = string(root, "commandType", ID_MAX, problems);
    String idempotencyKey = string(root, "idempotencyKey", COMPOSITE_ID_MAX, problems);
    String replyTo = string(root, "replyTo", ID_MAX, problems);
    JsonNode payload = root.get("payload");
    if (payload == null) {
      problems.add("payload: required");
    } else if (Json.write(payload).length() > JSON_MAX_CHARS) {
      problems.add("payload: longer than " + JSON_MAX_CHARS + " characters once serialised");
    }
    Boolean outcomeUnknown = null;
    JsonNode unknown = root.get("outcomeUnknown");
    if (unknown != null) {
      if (!unknown.isBoolean()) {
        problems.add("outcomeUnknown: expected a boolean, received " + typeOf(unknown));
      } else if (Command.EXECUTE.equals(action)) {
        problems.add("outcomeUnknown: only allowed on compensations");
      } else {
        outcomeUnknown = unknown.booleanValue();
      }
    }
    String sentAt = string(root, "sentAt", Integer.MAX_VALUE, problems);
    if (sentAt != null && !Rfc3339.isValid(sentAt)) {
      problems.add("sentAt: not an RFC 3339 time with seconds and a zone");
    }
    if (!problems.isEmpty()) {
      return invalid(String.join("; ", problems));
    }

    if (!participant.equals(addressee)) {
      String shown = Config.PARTICIPANT_NAME.matcher(addressee).matches() ? addressee : display(addressee);
      return invalid("participant: addressed to " + shown + ", not " + participant);
    }
    if (!TOPIC_NAME.matcher(replyTo).matches() || ".".equals(replyTo) || "..".equals(replyTo)
        || replyTo.startsWith("__") // Kafka's internal topics take no replies
        || !replyTo.startsWith(topicPrefix)) {
      return invalid("replyTo: not a topic of this environment (prefix \"" + topicPrefix + "\")");
    }
    int messageIdLength = messageId.codePointCount(0, messageId.length());
    if (REPLY_ID_PREFIX.length() + messageIdLength > COMPOSITE_ID_MAX) {
      return invalid("cannot be answered: messageId is " + messageIdLength
          + " characters, so the reply's messageId (\"" + REPLY_ID_PREFIX + "\" + messageId) would exceed "
          + COMPOSITE_ID_MAX);
    }
    return new Valid(new Command(messageId, sagaId, sagaType, sagaVersion, stepId, action, attempt, addressee,
        commandType, idempotencyKey, replyTo, payload, outcomeUnknown, sentAt));
  }

  /** {@code invalid command: <reason>}, cut to 1,000 characters with an ellipsis. */
  static Invalid invalid(String reason) {
    return new Invalid(cut("invalid command: " + reason));
  }

  static String cut(String reason) {
    if (reason.length() <= REASON_MAX) {
      return reason;
    }
    int end = REASON_MAX - 1;
    if (Character.isHighSurrogate(reason.charAt(end - 1))) {
      end--;
    }
    return reason.substring(0, end) + "…";
  }

  /**
   * The field's string, 1 to {@code max} long counted in Unicode code points (an emoji counts one), as
   * the coordinator's schemas and the AsyncAPI {@code maxLength} count; or null, with the problem added.
   */
  private static String string(JsonNode root, String field, int max, List<String> problems) {
    JsonNode node = root.get(field);
    if (node == null) {
      problems.add(field + ": required");
      return null;
    }
    if (!node.isTextual()) {
      problems.add(field + ": expected a string, received " + typeOf(node));
      return null;
    }
    String value = node.textValue();
    int length = value.codePointCount(0, value.length());
    if (length == 0 || length > max) {
      problems.add(field + ": must be 1-" + max + " characters, got " + length);
      return null;
    }
    return value;
  }

  private static long counter(JsonNode root, String field, List<String> problems) {
    JsonNode node = root.get(field);
    if (node == null) {
      problems.add(field + ": required");
      return 0;
    }
    if (!node.isNumber()) {
      problems.add(field + ": expected an integer, received " + typeOf(node));
      return 0;
    }
    BigDecimal value;
    if (node.isFloatingPointNumber()) {
      double d = node.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d)) {
        problems.add(field + ": expected an integer, received a fraction");
        return 0;
      }
      value = BigDecimal.valueOf(d);
    } else {
      value = new BigDecimal(node.bigIntegerValue());
    }
    if (value.compareTo(BigDecimal.ONE) < 0 || value.compareTo(BigDecimal.valueOf(COUNTER_MAX)) > 0) {
      problems.add(field + ": must be an integer from 1 to " + COUNTER_MAX);
      return 0;
    }
    return value.longValueExact();
  }

  /**
   * The deepest the command may nest, counting itself: its free JSON (the payload) at most 512
   * arrays and objects deep, under the command's own object (contract section 2, lengths).
   */
  static final int MAX_DEPTH = 513;

  /**
   * Every string and object key, at any depth: no U+0000 and no lone surrogate (Postgres refuses
   * them), no key {@code __proto__} (a JavaScript reader takes it for the prototype), and no
   * deeper than {@link #MAX_DEPTH} ({@code depth}: that of {@code node} if it is an array or object).
   */
  static void storable(JsonNode node, String path, List<String> problems, int depth) {
    if (node.isContainerNode() && depth > MAX_DEPTH) {
      // Named by its field: the path of the 513th level would fill the reason.
      int dot = path.indexOf('.');
      problems.add(label(dot < 0 ? path : path.substring(0, dot)) + ": nested deeper than 512 arrays and objects");
      return;
    }
    if (node.isTextual()) {
      String problem = unstorable(node.textValue());
      if (problem != null) {
        problems.add(label(path) + ": " + problem);
      }
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String keyProblem = unstorable(field.getKey());
        if (keyProblem == null && field.getKey().equals("__proto__")) {
          keyProblem = "must not be __proto__";
        }
        if (keyProblem != null) {
          problems.add(label(path) + ": an object key " + keyProblem);
          continue;
        }
        storable(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey(), problems,
            depth + 1);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        storable(node.get(i), path.isEmpty() ? String.valueOf(i) : path + "." + i, problems, depth + 1);
      }
    }
  }

  /** Why Postgres could not store this text, or null when it can. */
  static String unstorable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        return "must not contain U+0000 (NUL): it cannot be stored";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return "must not contain a lone UTF-16 surrogate: it cannot be stored";
      }
      if (Character.isLowSurrogate(c)) {
        return "must not contain a lone UTF-16 surrogate: it cannot be stored";
      }
    }
    return null;
  }

  private static String label(String path) {
    return path.isEmpty() ? "(root)" : path;
  }

  /** A name as it may appear in a reason: quoted, control characters and surrogates escaped, at most 100 chars. */
  static String display(String name) {
    StringBuilder out = new StringBuilder("\"");
    int limit = Math.min(name.length(), 100);
    for (int i = 0; i < limit; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || Character.isSurrogate(c) || c == '"' || c == '\\') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (name.length() > limit) {
      out.append('…');
    }
    return out.append('"').toString();
  }

  static String typeOf(JsonNode node) {
    if (node.isTextual()) {
      return "string";
    }
    if (node.isNumber()) {
      return "number";
    }
    if (node.isBoolean()) {
      return "boolean";
    }
    if (node.isNull()) {
      return "null";
    }
    if (node.isArray()) {
      return "array";
    }
    return "object";
  }
}
