package example.shipping;

/** The database or the broker failed: nothing is answered, the record is handled again after a back-off. */
final class InfrastructureException extends Exception {
  private static final long serialVersionUID = 1L;

  InfrastructureException(String message, Throwable cause) {
    super(message, cause);
  }
}
