import { signInRefusal } from './sign-in-answer.js';

describe('signInRefusal', () => {
  it('accepts a success, and a 403 (valid credentials without the read role)', () => {
    expect(signInRefusal(200)).toBeUndefined();
    expect(signInRefusal(204)).toBeUndefined();
    expect(signInRefusal(403)).toBeUndefined();
  });

  it('refuses a 401, and says a 429, a server error or anything else in their own words', () => {
    expect(signInRefusal(401)).toBe('These credentials were refused.');
    expect(signInRefusal(429)).toMatch(/^Too many attempts/);
    expect(signInRefusal(503)).toMatch(/cannot check the credentials now \(error 503\)/);
    expect(signInRefusal(404)).toMatch(/unexpected answer \(404\)/);
    expect(signInRefusal(302)).toMatch(/unexpected answer/);
  });
});
