package example.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The business side of the shipping participant: what {@code shipping.schedule} and
 * {@code shipping.cancel} do, inside the transaction the {@link Store} opened. Each returns a
 * {@code success} or {@code failure} outcome (stored with the effect); a {@link TechnicalError} or
 * any other exception is an {@code error} (rolled back, not stored).
 */
final class ShippingHandlers {
  static final String SCHEDULE = "shipping.schedule";
  static final String CANCEL = "shipping.cancel";

  private final String schema;

  ShippingHandlers(String schema) {
    this.schema = schema;
  }

  /** Whether this participant serves the command type for the command's action. */
  static boolean serves(Command command) {
    return (SCHEDULE.equals(command.commandType()) && !command.isCompensation())
        || (CANCEL.equals(command.commandType()) && command.isCompensation());
  }

  /** The id of a step's shipment, named after {@code <sagaId>:<stepId>} so a compensation finds it without it. */
  static String shipmentId(Command command) {
    return "shp:" + command.sagaId() + ":" + command.stepId();
  }

  ObjectNode handle(Connection tx, Command command) throws SQLException {
    if (SCHEDULE.equals(command.commandType())) {
      return schedule(tx, command);
    }
    return cancel(tx, command);
  }

  /** Appends what was applied, under which key, to the effects log. */
  private void recordEffect(Connection tx, Command command) throws SQLException {
    try (PreparedStatement insert = tx.prepareStatement("INSERT INTO \"" + schema + "\".effects"
        + " (idempotency_key, command_type) VALUES (?, ?)")) {
      insert.setString(1, command.idempotencyKey());
      insert.setString(2, command.commandType());
      insert.executeUpdate();
    }
  }

  /** {@code { orderId, customerId, items: [{ sku, quantity }] }} → success {@code { shipmentId }}. */
  ObjectNode schedule(Connection tx, Command command) throws SQLException {
    List<String> problems = checkSchedulePayload(command.payload());
    if (!problems.isEmpty()) {
      return invalidPayload(problems);
    }
    JsonNode payload = command.payload();
    String shipmentId = shipmentId(command);
    try (PreparedStatement insert = tx.prepareStatement("INSERT INTO \"" + schema + "\".shipments"
        + " (shipment_id, saga_id, step_id, order_id, customer_id, items, status)"
        + " VALUES (?, ?, ?, ?, ?, ?::jsonb, 'scheduled') ON CONFLICT (shipment_id) DO NOTHING")) {
      insert.setString(1, shipmentId);
      insert.setString(2, command.sagaId());
      insert.setString(3, command.stepId());
      insert.setString(4, payload.get("orderId").textValue());
      insert.setString(5, payload.get("customerId").textValue());
      insert.setString(6, Json.write(payload.get("items")));
      insert.executeUpdate();
    }
    // Every run of the handler is logged, whether or not the row was new: were the idempotency
    // store to let a command through twice, the effects table would show it twice.
    recordEffect(tx, command);
    ObjectNode result = Json.object();
    result.put("shipmentId", shipmentId);
    return Outcomes.success(result);
  }

  /**
   * {@code { orderId, shipmentId: string|null }} → success {@code { shipmentId, cancelled }}. What to
   * cancel is found from sagaId and stepId, not from the payload's shipmentId (null when the step's
   * reply was lost); nothing to cancel is a success with {@code cancelled: false}.
   */
  ObjectNode cancel(Connection tx, Command command) throws SQLException {
    List<String> problems = checkCancelPayload(command.payload());
    if (!problems.isEmpty()) {
      return invalidPayload(problems);
    }
    String found = null;
    boolean cancelled = false;
    try (PreparedStatement update = tx.prepareStatement("UPDATE \"" + schema + "\".shipments"
        + " SET status = 'cancelled', cancelled_at = now()"
        + " WHERE saga_id = ? AND step_id = ? AND status = 'scheduled' RETURNING shipment_id")) {
      update.setString(1, command.sagaId());
      update.setString(2, command.stepId());
      try (ResultSet rs = update.executeQuery()) {
        if (rs.next()) {
          found = rs.getString(1);
          cancelled = true;
        }
      }
    }

    if (found == null) {
      try (PreparedStatement select = tx.prepareStatement("SELECT shipment_id FROM \"" + schema + "\".shipments"
          + " WHERE saga_id = ? AND step_id = ?")) {
        select.setString(1, command.sagaId());
        select.setString(2, command.stepId());
        try (ResultSet rs = select.executeQuery()) {
          if (rs.next()) {
            found = rs.getString(1);
          }
        }
      }
    }
    if (found != null) {
      recordEffect(tx, command); // a cancellation of a shipment that exists, as every run sees it
    }
    ObjectNode result = Json.object();
    if (found == null) {
      result.putNull("shipmentId");
    } else {
      result.put("shipmentId", found);
    }
    result.put("cancelled", cancelled);
    return Outcomes.success(result);
  }

  static List<String> checkSchedulePayload(JsonNode payload) {
    List<String> problems = new ArrayList<>();
    if (payload == null || !payload.isObject()) {
      problems.add("(root): expected an object");
      return problems;
    }
    text(payload, "orderId", "orderId", problems);
    text(payload, "customerId", "customerId", problems);
    JsonNode items = payload.get("items");
    if (items == null || !items.isArray()) {
      problems.add("items: expected an array");
    } else if (items.size() < 1 || items.size() > 100) {
      problems.add("items: must hold 1-100 items");
    } else {
      for (int i = 0; i < items.size(); i++) {
        JsonNode item = items.get(i);
        if (!item.isObject()) {
          problems.add("items." + i + ": expected an object");
          continue;
        }
        text(item, "sku", "items." + i + ".sku", problems);
        JsonNode quantity = item.get("quantity");
        if (quantity == null || !quantity.isNumber() || quantity.doubleValue() < 1
            || quantity.doubleValue() != Math.rint(quantity.doubleValue())
            || Double.isInfinite(quantity.doubleValue())) {
          problems.add("items." + i + ".quantity: expected a positive integer");
        }
      }
    }
    return problems;
  }

  static List<String> checkCancelPayload(JsonNode payload) {
    List<String> problems = new ArrayList<>();
    if (payload == null || !payload.isObject()) {
      problems.add("(root): expected an object");
      return problems;
    }
    text(payload, "orderId", "orderId", problems);
    JsonNode shipmentId = payload.get("shipmentId");
    if (shipmentId == null || !(shipmentId.isNull() || (shipmentId.isTextual() && !shipmentId.textValue().isEmpty()
        && codePoints(shipmentId.textValue()) <= 200))) {
      problems.add("shipmentId: expected a string (1-200 characters) or null");
    }
    return problems;
  }

  private static void text(JsonNode object, String field, String path, List<String> problems) {
    JsonNode node = object.get(field);
    if (node == null || !node.isTextual() || node.textValue().isEmpty() || codePoints(node.textValue()) > 100) {
      problems.add(path + ": expected a string of 1-100 characters");
    }
  }

  /** A string's length as the contract counts it: in code points (an emoji is one), not UTF-16 units. */
  private static int codePoints(String text) {
    return text.codePointCount(0, text.length());
  }

  static ObjectNode invalidPayload(List<String> problems) {
    ObjectNode details = Json.object();
    ArrayNode list = details.putArray("problems");
    problems.forEach(list::add);
    return Outcomes.failure("INVALID_PAYLOAD", "the payload is not valid: " + String.join("; ", problems), details);
  }
}
