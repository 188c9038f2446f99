// Integration and e2e tests talk to real brokers and processes: a consumer group alone takes
// seconds to form, so these projects get a longer per-test timeout than jest's 5 s default.
import { jest } from '@jest/globals';

jest.setTimeout(90_000);
