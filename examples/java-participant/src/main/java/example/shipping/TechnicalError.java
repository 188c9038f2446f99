package example.shipping;

/** Thrown by a handler for a reason that may pass: answered as an {@code error}, nothing is stored. */
final class TechnicalError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final String code;
  final Boolean retryable;

  TechnicalError(String code, String message, Boolean retryable) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}
