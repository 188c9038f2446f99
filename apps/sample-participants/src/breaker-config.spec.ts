import { breakerConfigSchema, DEFAULT_BREAKER_CONFIG, opossumOptions } from './breaker-config.js';

describe('the breaker options of the sample participants', () => {
  it('maps to opossum, with latency percentiles off (they sort the window on every failure)', () => {
    expect(opossumOptions('email', DEFAULT_BREAKER_CONFIG)).toEqual({
      name: 'email',
      timeout: 2_000,
      errorThresholdPercentage: 50,
      resetTimeout: 5_000,
      volumeThreshold: 10,
      rollingCountTimeout: 10_000,
      rollingPercentilesEnabled: false,
    });
  });

  it('turns a timeout of 0 into none and refuses unknown fields', () => {
    expect(opossumOptions('email', { ...DEFAULT_BREAKER_CONFIG, timeoutMs: 0 }).timeout).toBe(
      false,
    );
    expect(() => breakerConfigSchema.parse({ reset: 1 })).toThrow(/reset/);
  });
});
