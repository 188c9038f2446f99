package example.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The three reply outcomes of CONTRACT.md section 4 ({@code success}, {@code failure}, {@code error}). */
final class Outcomes {
  static final int MESSAGE_MAX = 2000;
  /** The one field of a success's result that stands in for a result too large to carry. */
  static final String REPLY_TOO_LARGE_FIELD = "replyTooLarge";

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

  /**
   * The outcome cut down to what always fits, for a reply the broker refuses as too large (duty 8;
   * the kit's {@code cutDownOutcome}): its status kept, since the handler acted as it says. A success's
   * result becomes {@code { "replyTooLarge": why }} (a saga that reads the result ends the step
   * {@code on-success-failed}); a refusal keeps its code and message and loses its {@code details}. An
   * error, small by its limits and never stored, has no cut-down form: null.
   */
  static ObjectNode cutDown(JsonNode outcome, String why) {
    switch (status(outcome)) {
      case "success":
        return success(Json.object().put(REPLY_TOO_LARGE_FIELD, why));
      case "failure":
        return failure(outcome.path("code").asText(), outcome.path("message").asText(), null);
      default:
        return null;
    }
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
