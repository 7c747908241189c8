import { startTestApp, type TestApp } from '../support/start-test-app';
import { TestClock } from '../support/flows';
import { raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { insertAuditRows, waitSealed } from '../support/audit-chain';
import { exportLine } from '../../src/modules/audit/audit-export';
import { COPY_PAGE } from '../../src/modules/audit/audit-export-copy';
import { CHAIN_COLUMNS, type ChainRow } from '../../src/modules/audit/audit-chain';

jest.setTimeout(120_000);

const clock = new TestClock();
const ADMIN = `auditor.copy.${Date.now().toString(36)}@example.com`;

/** Values whose JSON PostgreSQL and JSON.stringify could write differently, and filter values that attack a literal. */
const TRICKY_DATA: Record<string, unknown>[] = [
  { s: 'a, b: c', q: 'say "hi", \\ back\\slash', nl: 'line\nbreak\ttab\r\b\f', ctl: '\u0001\u001f\u007f', u: 'é 漢字 😀 \u2028' },
  { nested: { list: [1, -2, 3.25, true, false, null, [], {}], deep: { 'k, ": ': 'v: , "' } } },
  { big: 1e21, tiny: 1e-7, edge: 0.000001, long: 123456789012345680, float: 0.1 + 0.2 },
  { '10': 'ten', '2': 'two', b: 'bee', '-1': 'minus' },
  {},
  { ip: '10.0.0.1', version: '1.10' },
];
const HOSTILE_TYPES = ["it's", 'back\\slash', '$$dollar$$', "x'); DROP TABLE audit_events; --", "\\'", "E'\\x27'"];

describe('the audit export as COPY pages: byte for byte the lines of exportLine, whatever the rows and filters hold', () => {
  let t: TestApp;
  let admin: TwoFactorUser;

  const exportText = async (query: string) => {
    const response = await fetch(`${t.url}/admin/audit/export${query ? `?${query}` : ''}`, {
      headers: { authorization: `Bearer ${admin.client.accessToken}` },
    });
    return { status: response.status, text: await response.text() };
  };
  const rowsOf = async (where = 'TRUE', params: unknown[] = []) =>
    (await t.app.dataSource.query(
      `SELECT ${CHAIN_COLUMNS} FROM ${t.table('audit_events')} e WHERE e.chain_sequence IS NOT NULL AND ${where} ORDER BY e.chain_sequence`,
      params,
    )) as ChainRow[];

  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { ADMIN_EMAILS: ADMIN } });
    admin = await userWithAuthenticator(t, clock, ADMIN);
    await raiseToAal2(clock, admin);
    const tricky = await insertAuditRows(
      t,
      TRICKY_DATA.map((data) => ({ event: 'test.tricky', data })),
    );
    await insertAuditRows(
      t,
      HOSTILE_TYPES.map((event, i) => ({ event, data: { i } })),
    );
    await waitSealed(t);
    // After sealing (this test does not verify the chain): what a writer through JavaScript never stores.
    const table = t.table('audit_events');
    await t.app.dataSource.query(`UPDATE ${table} SET data = '{"trailing": 1.50, "whole": 2.0, "exp": 1E+3}'::jsonb WHERE id = $1`, [tricky[4]]);
    await t.app.dataSource.query(`UPDATE ${table} SET ip = $2, user_agent = $3, created_at = '2031-03-01T10:00:00.999999Z' WHERE id = $1`, [
      tricky[0],
      '"quoted"\\ip',
      'agent\u0002 "x" \\ ü',
    ]);
    await t.app.dataSource.query(`UPDATE ${table} SET created_at = '2031-03-01T10:00:00.000500Z', user_id = NULL, actor_id = NULL WHERE id = $1`, [tricky[1]]);
  });
  afterAll(() => t?.close());

  test('the whole export is the concatenation of exportLine over the sealed rows, in chain order', async () => {
    const out = await exportText('');
    expect(out.status).toBe(200);
    const rows = await rowsOf();
    // Rows sealed after the export's start (its own audit.exported row) are not in it.
    const expected = rows.map(exportLine);
    const lines = out.text.split(/(?<=\n)/);
    expect(lines).toEqual(expected.slice(0, lines.length));
    expect(lines.length).toBeGreaterThanOrEqual(expected.length - 1);
    expect(out.text.endsWith('\n')).toBe(true);
  });

  test('PostgreSQL writes the tricky strings itself; only numbers and keys JavaScript writes otherwise go to Node', async () => {
    const { LINE_SQL, UNSAFE_SQL } = await import('../../src/modules/audit/audit-export-copy');
    const rows = await rowsOf("e.event = 'test.tricky'");
    const built = (await t.app.dataSource.query(
      `SELECT ${LINE_SQL} || chr(10) AS line, ${UNSAFE_SQL} AS unsafe FROM ${t.table('audit_events')} e WHERE e.event = 'test.tricky' ORDER BY e.chain_sequence`,
    )) as { line: string; unsafe: boolean }[];
    expect(built.map((b) => b.unsafe)).toEqual([false, false, true, true, true, true]);
    for (const [i, b] of built.entries()) if (!b.unsafe) expect(b.line).toBe(exportLine(rows[i]!));
    // What the unsafe rows would be if PostgreSQL wrote them: different indeed (the check is not idle).
    expect(built[2]!.line).not.toBe(exportLine(rows[2]!));
    expect(built[3]!.line).not.toBe(exportLine(rows[3]!));
  });

  test('hostile type filters are literals: each exports exactly its own row', async () => {
    for (const type of HOSTILE_TYPES) {
      const out = await exportText(`type=${encodeURIComponent(type)}`);
      expect([type, out.status]).toEqual([type, 200]);
      const lines = out.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string });
      expect([type, lines.map((l) => l.type)]).toEqual([type, [type]]);
    }
    const all = await exportText(HOSTILE_TYPES.map((type) => `type=${encodeURIComponent(type)}`).join('&'));
    expect(all.text).toBe((await rowsOf('e.event = ANY($1::text[])', [HOSTILE_TYPES])).map(exportLine).join(''));
  });

  test(`more than one page (${COPY_PAGE} rows a page) with a filter: nothing lost or repeated at the page edges`, async () => {
    await insertAuditRows(
      t,
      Array.from({ length: COPY_PAGE * 2 + 7 }, (_, i) => ({ event: i % 3 ? 'test.many' : 'test.other', data: { i, at: i % 2 ? '1.0' : 1.5 } })),
    );
    await waitSealed(t);
    const out = await exportText('type=test.many&type=test.tricky');
    expect(out.text).toBe((await rowsOf("e.event IN ('test.many', 'test.tricky')")).map(exportLine).join(''));
  });
});
