import { InvalidSagaQueryError } from '../application/saga-errors.js';
import { sagaQuerySql, type QueryCatalog } from './saga-query.js';

const catalog: QueryCatalog = {
  stepsOf: (participant) =>
    participant === 'payments' ? [{ sagaType: 'order', version: 2, stepId: 'charge' }] : [],
};

function refusal(source: string): InvalidSagaQueryError {
  try {
    sagaQuerySql(source, catalog);
  } catch (error) {
    if (error instanceof InvalidSagaQueryError) return error;
    throw error;
  }
  throw new Error(`accepted: ${source}`);
}

describe('the saga query language', () => {
  it('turns fields compared with values into parameters, never into SQL text', () => {
    const query = sagaQuerySql(
      `sagaType == "order'; DROP TABLE sagas; --" && version >= 2 && status in ["stuck", "compensating"]`,
      catalog,
      3,
    );
    expect(query.where).toBe(
      `(((s.saga_type = $3::text) AND (s.saga_version >= $4::int)) AND (s.status IN ($5::text, $6::text)))`,
    );
    expect(query.params).toEqual(["order'; DROP TABLE sagas; --", 2, 'stuck', 'compensating']);
  });

  it('reads a value on the left as the same comparison mirrored', () => {
    expect(sagaQuerySql('2 < version', catalog).where).toBe('(s.saga_version > $1::int)');
  });

  it('takes times as ISO timestamps or as now with a duration', () => {
    const query = sagaQuerySql(
      'createdAt >= timestamp("2026-12-01T00:00:00+01:00") && updatedAt < now - duration("1h30m")',
      catalog,
    );
    expect(query.where).toContain('(s.created_at >= $1::timestamptz)');
    expect(query.where).toContain(
      '(s.updated_at < (now() - make_interval(secs => $2::double precision)))',
    );
    expect(query.params).toEqual(['2026-12-01T00:00:00+01:00', 5400]);
  });

  it('finds a participant through the steps of the definitions that call it', () => {
    const query = sagaQuerySql('participant == "payments" || participant == "nobody"', catalog);
    expect(query.where).toContain('unnest($1::text[], $2::int[], $3::text[])');
    expect(query.where).toContain('OR FALSE');
    expect(query.params).toEqual([['order'], [2], ['charge']]);
  });

  it('orders strings by their bytes, whatever the collation', () => {
    expect(sagaQuerySql('idempotencyKey >= "order-2"', catalog).where).toBe(
      '(s.idempotency_key COLLATE "C" >= $1::text)',
    );
  });

  it('matches an error code of the cause or of any step last outcome', () => {
    const query = sagaQuerySql('errorCode == "LEDGER_DOWN"', catalog);
    expect(query.where).toContain(`s.state->'cause'->'outcome'->>'code' = $1`);
    expect(query.where).toContain(`e.step->'lastOutcome'->>'code'`);
    expect(query.params).toEqual(['LEDGER_DOWN']);
  });

  it('negates with ! and !=', () => {
    expect(sagaQuerySql('!(step == "charge")', catalog).where).toMatch(/^\(NOT \(COALESCE/);
    expect(sagaQuerySql('errorCode != "DECLINED"', catalog).where).toMatch(/^\(NOT /);
  });

  it.each([
    ['sagaType ==', 'Unexpected token', 11],
    ['typo == "order"', 'Unknown variable: typo', 0],
    ['version == "2"', 'no such overload', 0],
    ['status == "lost"', 'status is one of running', 10],
    ['sagaType.startsWith("o")', 'startsWith() is not available', 0],
    ['version', 'must be true or false', 0],
    ['createdAt > timestamp("yesterday")', 'ISO 8601', 22],
    ['updatedAt < now - duration("a while")', 'a duration is like', 27],
    ['step < "charge"', 'step is compared with == or != only', 7],
    ['sagaType == sagaType', 'compared with a value', 12],
    ['version == 3000000000', 'integer from 0 to 2147483647', 11],
    ['sagaType == "a\\u0000b"', 'a string', 12],
    ['createdAt > timestamp("2026-02-30T00:00:00Z")', 'ISO 8601', 22],
    ['createdAt > timestamp("0000-01-01T00:00:00Z")', 'ISO 8601', 22],
    ['sagaType == "order" &&\n  status ==', 'Unexpected token', 34],
  ])('refuses %s, saying what and where', (source, problem, position) => {
    const error = refusal(source);
    expect(error.problem).toContain(problem);
    expect(error.position).toBe(position);
  });

  it('refuses a query longer than its bound before parsing it', () => {
    expect(refusal(`type == "${'x'.repeat(2_000)}"`).problem).toContain('at most 2000');
  });
});
