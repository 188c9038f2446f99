/** A failure (announced at once) or a confirmation (announced politely); nothing when empty. */
export function Notice({
  error,
  success,
}: {
  readonly error?: string | undefined;
  readonly success?: string | undefined;
}) {
  return (
    <>
      {error !== undefined && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {success !== undefined && (
        <p class="notice notice-success" role="status">
          {success}
        </p>
      )}
    </>
  );
}
