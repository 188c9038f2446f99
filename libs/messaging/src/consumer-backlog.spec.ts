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
    backlog.assigned({ replies: [0, 1] });
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
    backlog.assigned({ replies: [0] });
    backlog.fetched('replies', 0, 10, 0);
    backlog.finished('replies', 0, 6);
    backlog.fetched('replies', 0, 20, 6); // the next fetch: the log grew
    backlog.fetched('replies', 0, 15, 3); // an older fetch's answer, or messages again
    backlog.finished('replies', 0, 4);
    backlog.finished('replies', 0, 20);

    expect(messages()).toEqual([0, 10, 4, 14, 0]);
  });

  it('counts as done what a fetch skipped over, and a fetch that handed nothing over', () => {
    backlog.assigned({ replies: [0] });
    backlog.fetched('replies', 0, 10, 0);
    backlog.finished('replies', 0, 4);
    backlog.fetched('replies', 0, 12, 9); // 4..8 were never handed over
    backlog.fetched('replies', 0, 13, 13); // 9..12: control records only, nothing handed over

    expect(messages()).toEqual([0, 10, 6, 3, 0]);
  });

  it('forgets the old assignment on a new one, and ignores partitions it does not own', () => {
    backlog.assigned({ replies: [3, 4] });
    backlog.fetched('replies', 4, 9, 7);
    backlog.fetched('replies', 5, 900, 0); // fetched before the rebalance that took it away
    backlog.finished('replies', 5, 100);
    backlog.assigned({ replies: [5] });
    backlog.fetched('replies', 4, 50, 0); // lost in that rebalance

    expect(reports).toEqual([
      { messages: 0, partitions: 2 },
      { messages: 2, partitions: 2 },
      { messages: 0, partitions: 1 },
    ]);
  });
});
