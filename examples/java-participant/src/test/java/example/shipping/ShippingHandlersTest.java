package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShippingHandlersTest {
  @Test
  void schedulePayload() throws Exception {
    assertTrue(ShippingHandlers.checkSchedulePayload(Json.parse(
        "{\"orderId\":\"1042\",\"customerId\":\"c-7\",\"items\":[{\"sku\":\"apple\",\"quantity\":2}],\"extra\":1}"))
        .isEmpty());
    List<String> problems = ShippingHandlers.checkSchedulePayload(Json.parse(
        "{\"orderId\":\"\",\"items\":[{\"sku\":\"apple\",\"quantity\":0}]}"));
    assertEquals(List.of("orderId: expected a string of 1-100 characters",
        "customerId: expected a string of 1-100 characters", "items.0.quantity: expected a positive integer"),
        problems);
    assertFalse(ShippingHandlers.checkSchedulePayload(Json.parse("null")).isEmpty());
    assertFalse(ShippingHandlers.checkSchedulePayload(Json.parse(
        "{\"orderId\":\"1\",\"customerId\":\"c\",\"items\":[]}")).isEmpty());
  }

  @Test
  void lengthsCountCodePointsAsTheContractDoes() throws Exception {
    // 100 emoji: 100 code points (what the coordinator's schema allowed), 200 UTF-16 units.
    String emoji = "\uD83D\uDE00".repeat(100);
    assertTrue(ShippingHandlers.checkSchedulePayload(Json.parse(
        "{\"orderId\":\"" + emoji + "\",\"customerId\":\"c-7\",\"items\":[{\"sku\":\"apple\",\"quantity\":1}]}"))
        .isEmpty());
    assertFalse(ShippingHandlers.checkSchedulePayload(Json.parse(
        "{\"orderId\":\"" + emoji + "x\",\"customerId\":\"c-7\",\"items\":[{\"sku\":\"apple\",\"quantity\":1}]}"))
        .isEmpty());
    String shipmentId = "\uD83D\uDE00".repeat(200);
    assertTrue(ShippingHandlers.checkCancelPayload(Json.parse(
        "{\"orderId\":\"1042\",\"shipmentId\":\"" + shipmentId + "\"}")).isEmpty());
  }

  @Test
  void cancelPayload() throws Exception {
    assertTrue(ShippingHandlers.checkCancelPayload(Json.parse("{\"orderId\":\"1042\",\"shipmentId\":null}")).isEmpty());
    assertTrue(ShippingHandlers.checkCancelPayload(Json.parse("{\"orderId\":\"1042\",\"shipmentId\":\"shp:x\"}"))
        .isEmpty());
    assertFalse(ShippingHandlers.checkCancelPayload(Json.parse("{\"orderId\":\"1042\"}")).isEmpty());
  }

  @Test
  void invalidPayloadIsAStoredFailureWithDetails() {
    ObjectNode outcome = ShippingHandlers.invalidPayload(List.of("orderId: expected a string of 1-100 characters"));
    assertEquals("failure", outcome.get("status").asText());
    assertEquals("INVALID_PAYLOAD", outcome.get("code").asText());
    assertEquals("orderId: expected a string of 1-100 characters", outcome.get("details").get("problems").get(0).asText());
  }

  @Test
  void servesScheduleForwardAndCancelAsCompensationOnly() throws Exception {
    ObjectNode json = CommandValidatorTest.command();
    Command schedule = ((CommandValidator.Valid) new CommandValidator("shipping", "staging.")
        .validate(Json.write(json).getBytes(java.nio.charset.StandardCharsets.UTF_8))).command();
    assertTrue(ShippingHandlers.serves(schedule));
    assertEquals("shp:" + CommandValidatorTest.SAGA + ":schedule-shipping", ShippingHandlers.shipmentId(schedule));
    json.put("commandType", "shipping.cancel");
    Command cancelAsExecute = ((CommandValidator.Valid) new CommandValidator("shipping", "staging.")
        .validate(Json.write(json).getBytes(java.nio.charset.StandardCharsets.UTF_8))).command();
    assertFalse(ShippingHandlers.serves(cancelAsExecute));
    json.put("commandType", "shipping.teleport");
    Command unknown = ((CommandValidator.Valid) new CommandValidator("shipping", "staging.")
        .validate(Json.write(json).getBytes(java.nio.charset.StandardCharsets.UTF_8))).command();
    assertFalse(ShippingHandlers.serves(unknown));
  }
}
