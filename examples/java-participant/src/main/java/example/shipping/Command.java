package example.shipping;

import com.fasterxml.jackson.databind.JsonNode;

/** A command envelope that passed validation (section 4 of CONTRACT.md). */
record Command(
    String messageId,
    String sagaId,
    String sagaType,
    long sagaVersion,
    String stepId,
    String action,
    long attempt,
    String participant,
    String commandType,
    String idempotencyKey,
    String replyTo,
    JsonNode payload,
    Boolean outcomeUnknown,
    String sentAt) {

  static final String EXECUTE = "execute";
  static final String COMPENSATE = "compensate";

  boolean isCompensation() {
    return COMPENSATE.equals(action);
  }

  /** The step's forward key {@code <sagaId>:<stepId>}, closed by a compensation (the late-command rule). */
  String forwardKey() {
    return sagaId + ":" + stepId;
  }
}
