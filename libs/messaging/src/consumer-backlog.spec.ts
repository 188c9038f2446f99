import type { ConsumerBacklogReport } from '#saga-core';
import { ConsumerBacklog } from './consumer-backlog.js';

describe('ConsumerBacklog', () => {
  let reports: ConsumerBacklogReport[];
  let backlog: ConsumerBacklog;
  const messages = () => reports.map((report) => report.messages);

  beforeEach(() => {
    reports = [];
    backlog = new ConsumerBacklog((report) => reports.push(report));
  });

  it('sums, over the partitions, the messages from the first unfinished one to the end seen', () => {
    backlog.assigned(2);
    backlog.fetched('replies', 0, 110, 100);
    backlog.fetched('replies', 1, 57, 50);
    backlog.finished('replies', 0, 104);

    expect(reports).toEqual([
      { messages: 0, partitions: 2 },
      { messages: 10, partitions: 2 },
      { messages: 17, partitions: 2 },
      { messages: 13, partitions: 2 },
    ]);
  });

  it('raises the end with each fetch, never lowers what is finished, and reports changes only', () => {
    backlog.fetched('replies', 0, 10, 0);
    backlog.finished('replies', 0, 6);
    backlog.fetched('replies', 0, 20, 6); // the next fetch: the log grew
    backlog.fetched('replies', 0, 15, 3); // an older fetch's answer, or messages again
    backlog.finished('replies', 0, 4);
    backlog.finished('replies', 0, 20);

    expect(messages()).toEqual([10, 4, 14, 0]);
  });

  it('counts the messages a fetch skipped over (never handed over) as done', () => {
    backlog.fetched('replies', 0, 10, 0);
    backlog.finished('replies', 0, 4);
    backlog.fetched('replies', 0, 12, 9); // 4..8 were never handed over (say, control records)

    expect(messages()).toEqual([10, 6, 3]);
  });

  it('forgets the old assignment on a new one, and ignores partitions it never fetched', () => {
    backlog.assigned(3);
    backlog.fetched('replies', 4, 9, 7);
    backlog.finished('replies', 5, 100);
    backlog.assigned(1);

    expect(reports).toEqual([
      { messages: 0, partitions: 3 },
      { messages: 2, partitions: 3 },
      { messages: 0, partitions: 1 },
    ]);
  });
});
