import { MemoryKvStore } from '../../store/memory-kv-store';
import { WardenError } from '../../errors/warden-error';
import { defaultLimits, type Limits } from '../../config/limits';
import { RateLimiter } from './rate-limiter';
import { SmsPolicy } from './sms-policy';
import { VerifiedPhones } from './verified-phones';

const key = Buffer.from('k'.repeat(32));
function policy(overrides: Partial<Limits>) {
  const kv = new MemoryKvStore();
  return new SmsPolicy(new RateLimiter(kv, key), { ...defaultLimits, ...overrides }, null, new VerifiedPhones(kv, key));
}
async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof WardenError) return error.code;
    throw error;
  }
}

describe('SMS caps cannot be turned against users who verified their number', () => {
  const verified = '+447400123456';

  test('unverified numbers exhausting the calling-code cap do not stop texts to a verified number', async () => {
    const p = policy({ smsHourlyCapPerCountryCode: 5 });
    await p.recordVerified(verified);
    for (let i = 0; i < 5; i++) expect(await code(p.beforeSend(`+4474001234${60 + i}`))).toBe('OK');
    expect(await code(p.beforeSend('+447400123470'))).toBe('RATE_LIMITED');
    expect(await code(p.beforeSend(verified))).toBe('OK');
  });

  test('the daily per-number cap cannot block a verified number; it still blocks an unverified one', async () => {
    const p = policy({ smsDailyCapPerPhone: 2 });
    await p.recordVerified(verified);
    for (let i = 0; i < 6; i++) expect(await code(p.beforeSend(verified))).toBe('OK');
    expect(await code(p.beforeSend('+447400123499'))).toBe('OK');
    expect(await code(p.beforeSend('+447400123499'))).toBe('OK');
    expect(await code(p.beforeSend('+447400123499'))).toBe('RATE_LIMITED');
  });

  test('verified numbers have their own calling-code budget (pumping through verified numbers stays capped)', async () => {
    const p = policy({ smsHourlyCapPerCountryCode: 3 });
    await p.recordVerified(verified);
    for (let i = 0; i < 3; i++) expect(await code(p.beforeSend(verified))).toBe('OK');
    expect(await code(p.beforeSend(verified))).toBe('RATE_LIMITED');
  });
});
