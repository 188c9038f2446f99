import { ConfigError, loadCoordinatorConfig } from './coordinator-config.js';

describe('the console settings', () => {
  it('have no trace link by default', () => {
    expect(loadCoordinatorConfig({}).console).toEqual({});
  });

  it('take CONSOLE_TRACE_URL as the trace link template', () => {
    const config = loadCoordinatorConfig({
      CONSOLE_TRACE_URL: 'http://localhost:16686/trace/{traceId}',
    });
    expect(config.console).toEqual({ traceUrlTemplate: 'http://localhost:16686/trace/{traceId}' });
  });

  it('refuse a template that is not an http(s) URL or has no {traceId}', () => {
    expect(() =>
      loadCoordinatorConfig({ CONSOLE_TRACE_URL: 'javascript:alert(1)//{traceId}' }),
    ).toThrow(/CONSOLE_TRACE_URL: expected an http\(s\) URL/);
    expect(() => loadCoordinatorConfig({ CONSOLE_TRACE_URL: 'http://jaeger/trace/' })).toThrow(
      ConfigError,
    );
  });
});
