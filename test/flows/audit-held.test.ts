import { startTestApp, type TestApp } from '../support/start-test-app';
import { AuditService } from '../../src/modules/audit/audit.service';
import { AuditEvents } from '../../src/modules/audit/audit-events';
import { withTransaction } from '../../src/db/transaction';
import { countRows } from '../support/attack';
import { signUpAndVerify, uniqueEmail } from '../support/flows';

/**
 * Inside a transaction AuditService holds its rows until the transaction's last statement: a sign-in writes
 * them in its own statement, anything left is written just before COMMIT, and a rollback takes them away.
 */
describe('audit rows recorded in a transaction commit or roll back with it', () => {
  let t: TestApp;
  let audit: AuditService;
  const rowsWith = (marker: string) => countRows(t, `SELECT count(*)::int AS n FROM ${t.table('audit_events')} WHERE data->>'marker' = $1`, [marker]);

  beforeAll(async () => {
    t = await startTestApp();
    audit = new AuditService(t.app.dataSource);
  });
  afterAll(() => t?.close());

  test('held rows are written before COMMIT when no statement took them', async () => {
    await withTransaction(t.app.dataSource, async (em) => {
      await audit.record(em, { event: AuditEvents.otpVerified, data: { marker: 'kept-1' } });
      await audit.recordMany(em, [
        { event: AuditEvents.otpVerified, data: { marker: 'kept-1' } },
        { event: AuditEvents.otpVerified, data: { marker: 'kept-1' } },
      ]);
      // Not written yet: held for the transaction's last statement.
      const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM ${t.table('audit_events')} WHERE data->>'marker' = 'kept-1'`);
      expect(n).toBe(0);
    });
    expect(await rowsWith('kept-1')).toBe(3);
  });

  test('a rollback takes held rows with it', async () => {
    await expect(
      withTransaction(t.app.dataSource, async (em) => {
        await audit.record(em, { event: AuditEvents.otpVerified, data: { marker: 'rolled-back' } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await rowsWith('rolled-back')).toBe(0);
    // The next transaction does not inherit them.
    await withTransaction(t.app.dataSource, async (em) => audit.record(em, { event: AuditEvents.otpVerified, data: { marker: 'after' } }));
    expect(await rowsWith('rolled-back')).toBe(0);
    expect(await rowsWith('after')).toBe(1);
  });

  test('takeHeld hands the rows to the caller, who writes them; nothing is written twice', async () => {
    await withTransaction(t.app.dataSource, async (em) => {
      await audit.record(em, { event: AuditEvents.otpVerified, data: { marker: 'taken' } });
      const taken = audit.takeHeld(em);
      expect(taken.map((r) => r.data)).toEqual([{ marker: 'taken' }]);
      await em.query(`INSERT INTO ${t.table('audit_events')} (id, event, outcome, data) VALUES ($1, $2, $3, $4::jsonb)`, [
        taken[0]!.id,
        taken[0]!.event,
        taken[0]!.outcome,
        JSON.stringify(taken[0]!.data),
      ]);
    });
    expect(await rowsWith('taken')).toBe(1);
  });

  test('outside a transaction a row is written at once', async () => {
    await audit.recordAlone({ event: AuditEvents.otpFailed, outcome: 'failure', data: { marker: 'alone' } });
    expect(await rowsWith('alone')).toBe(1);
  });

  test('verifyOtp: otp.verified and session.created are written by the sign-in statement, with the session', async () => {
    const signedIn = await signUpAndVerify(t, t.client(), uniqueEmail('held'));
    const events = (await t.app.dataSource.query(`SELECT event FROM ${t.table('audit_events')} WHERE user_id = $1 ORDER BY event`, [signedIn.user.id])) as {
      event: string;
    }[];
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['otp.verified', 'session.created']));
    expect(await countRows(t, `SELECT count(*)::int AS n FROM {sessions} WHERE user_id = $1`, [signedIn.user.id])).toBe(1);
  });
});
