import { InvalidRequestException } from './problem.js';
import { ANONYMOUS_ACTOR, resolveActor } from './request-actor.js';

describe('resolveActor', () => {
  it('is anonymous when the request names no actor', () => {
    expect(resolveActor(undefined)).toBe(ANONYMOUS_ACTOR);
  });

  it('takes the x-actor header when it is 1 to 100 printable characters', () => {
    expect(resolveActor('ops:alice')).toBe('ops:alice');
    expect(resolveActor('a'.repeat(100))).toBe('a'.repeat(100));
  });

  it('refuses an empty, blank, over-long, non-printable or repeated header, naming x-actor', () => {
    for (const header of ['', '   ', 'a'.repeat(101), 'tab\there', 'zoë', ['a', 'b']]) {
      let thrown: unknown;
      try {
        resolveActor(header);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidRequestException);
      expect((thrown as InvalidRequestException).problems).toEqual([
        { field: 'x-actor', message: expect.any(String) },
      ]);
    }
  });
});
