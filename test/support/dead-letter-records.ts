import { DEAD_LETTER_HEADERS, HEADERS } from '#contracts';

/**
 * A reply dead-lettered from `saga.replies` partition 0 at `offset`, as the coordinator's
 * consumer writes it: what the dead-letter index records (key `saga-<offset>`, value
 * `{"offset":<offset>}`).
 */
export const replyDeadLetter = (offset: number) => ({
  topic: 'saga.replies.dlq',
  key: `saga-${offset}`,
  headers: {
    [HEADERS.messageId]: `reply-${offset}`,
    [DEAD_LETTER_HEADERS.reason]: 'invalid reply: status: required',
    [DEAD_LETTER_HEADERS.originalTopic]: 'saga.replies',
    [DEAD_LETTER_HEADERS.originalPartition]: '0',
    [DEAD_LETTER_HEADERS.originalOffset]: String(offset),
    [DEAD_LETTER_HEADERS.failedAt]: '2026-11-29T01:00:00.000Z',
  },
  value: `{"offset":${offset}}`,
});
