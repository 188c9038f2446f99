package example.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The three reply outcomes of CONTRACT.md section 4 ({@code success}, {@code failure}, {@code error}). */
final class Outcomes {
  static final int MESSAGE_MAX = 2000;

  private Outcomes() {}

  static ObjectNode success(JsonNode result) {
    ObjectNode outcome = Json.object();
    outcome.put("status", "success");
    outcome.set("result", result == null ? NullNode.getInstance() : result);
    return outcome;
  }

  /** A business refusal: stored, final, never retried. */
  static ObjectNode failure(String code, String message, JsonNode details) {
    ObjectNode outcome = Json.object();
    outcome.put("status", "failure");
    outcome.put("code", code);
    outcome.put("message", clip(message));
    if (details != null) {
      outcome.set("details", details);
    }
    return outcome;
  }

  /** A technical error: not stored; retried unless {@code retryable} is false. {@code retryable} null: left out. */
  static ObjectNode error(String code, String message, Boolean retryable) {
    ObjectNode outcome = Json.object();
    outcome.put("status", "error");
    outcome.put("code", code);
    outcome.put("message", clip(message));
    if (retryable != null) {
      outcome.put("retryable", retryable.booleanValue());
    }
    return outcome;
  }

  static String status(JsonNode outcome) {
    return outcome.path("status").asText();
  }

  private static String clip(String message) {
    if (message.length() <= MESSAGE_MAX) {
      return message;
    }
    int end = MESSAGE_MAX - 1;
    if (Character.isHighSurrogate(message.charAt(end - 1))) {
      end--;
    }
    return message.substring(0, end) + "…";
  }
}
