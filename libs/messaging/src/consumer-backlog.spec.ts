import { ConsumerBacklog } from './consumer-backlog.js';

describe('ConsumerBacklog', () => {
  let reports: number[];
  let backlog: ConsumerBacklog;

  beforeEach(() => {
    reports = [];
    backlog = new ConsumerBacklog((messages) => reports.push(messages));
  });

  it('sums, over the partitions, the messages from the first unfinished one to the end seen', () => {
    backlog.fetched('replies', 0, 110, 100);
    backlog.fetched('replies', 1, 57, 50);
    backlog.finished('replies', 0, 104);

    expect(reports).toEqual([10, 17, 13]);
  });

  it('raises the end with each fetch, never lowers what is finished, and reports changes only', () => {
    backlog.fetched('replies', 0, 10, 0);
    backlog.finished('replies', 0, 6);
    backlog.fetched('replies', 0, 20, 6); // the next fetch: the log grew
    backlog.fetched('replies', 0, 15, 3); // an older fetch's answer, or messages again
    backlog.finished('replies', 0, 4);
    backlog.finished('replies', 0, 20);

    expect(reports).toEqual([10, 4, 14, 0]);
  });

  it('counts an empty fetch as nothing to do, and forgets everything on clear', () => {
    backlog.fetched('replies', 3, 40, undefined);
    backlog.fetched('replies', 4, 9, 7);
    backlog.finished('replies', 9, 100); // a partition it never fetched: ignored
    backlog.clear();

    expect(reports).toEqual([2, 0]);
  });
});
