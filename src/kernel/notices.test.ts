import { WardenError } from '../errors/warden-error';
import { Notices, type NoticesDeps } from './notices';

/** Notices: a delivery failure is audited and logged (warn); any other error is a bug, logged at error; never thrown. */
function setup(failWith: unknown) {
  const logged: { level: string; msg: string }[] = [];
  const audited: unknown[] = [];
  const logger = {
    warn: (_o: unknown, msg: string) => logged.push({ level: 'warn', msg }),
    error: (_o: unknown, msg: string) => logged.push({ level: 'error', msg }),
  };
  const deps = {
    db: {},
    mailer: { sendRendered: () => Promise.reject(failWith) },
    audit: { recordDeliveryFailure: (error: unknown) => (audited.push(error), Promise.resolve()) },
    logger,
  } as unknown as NoticesDeps;
  return { notices: new Notices(deps), logged, audited };
}
const notice = { flow: 'test_notice', to: 'a@example.com', mail: { subject: 's', text: 't', html: '<p>t</p>' } } as never;
const meta = { ip: '203.0.113.1', userAgent: null } as never;

test('a delivery failure (SMTP refused) is audited and logged as a warning, never thrown', async () => {
  const { notices, logged, audited } = setup(new WardenError('SERVICE_UNAVAILABLE', { extensions: { dependency: 'smtp' } }));
  await expect(notices.send('u1', notice, meta)).resolves.toBe(false);
  expect(logged).toEqual([{ level: 'warn', msg: 'notice not delivered' }]);
  expect(audited).toHaveLength(1);
});

test('any other error (a bug) is logged at error level, and still not thrown', async () => {
  const { notices, logged } = setup(new TypeError('cannot read properties of undefined'));
  await expect(notices.send('u1', notice, meta)).resolves.toBe(false);
  expect(logged).toEqual([{ level: 'error', msg: 'notice failed: not a delivery failure (a bug)' }]);
});
