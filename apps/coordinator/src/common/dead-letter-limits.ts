/**
 * The longest value a dead letter keeps, in UTF-8 bytes (Kafka's default largest message): the
 * `dead_letters` table's bound, shared by the dead letters read from Kafka (cut to it) and the
 * outbox rows moved there (left out past it).
 */
export const MAX_DEAD_LETTER_VALUE_BYTES = 1_048_576;
