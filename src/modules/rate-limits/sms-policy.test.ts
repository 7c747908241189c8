import { MemoryKvStore } from '../../store/memory-kv-store';
import { WardenError } from '../../errors/warden-error';
import { defaultLimits, type Limits } from '../../config/limits';
import { RateLimiter } from './rate-limiter';
import { SmsPolicy } from './sms-policy';

function policy(allowed: string[] | null, overrides: Partial<Limits> = {}) {
  return new SmsPolicy(new RateLimiter(new MemoryKvStore(), Buffer.from('k'.repeat(32))), { ...defaultLimits, ...overrides }, allowed);
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

describe('SmsPolicy', () => {
  test('without SMS_ALLOWED_COUNTRIES every country may be texted', async () => {
    const p = policy(null);
    expect(await code(p.beforeSend('+33612345678'))).toBe('OK');
    expect(await code(p.beforeSend('+18762345678'))).toBe('OK');
  });

  test('the allowlist goes by country, not calling code: +1 Jamaica and +44 Guernsey are not US or GB', async () => {
    const p = policy(['GB', 'US']);
    expect(await code(p.beforeSend('+447400123456'))).toBe('OK');
    expect(await code(p.beforeSend('+12015550123'))).toBe('OK');
    expect(await code(p.beforeSend('+18762345678'))).toBe('BAD_USER_INPUT'); // JM, +1 876
    expect(await code(p.beforeSend('+447911123456'))).toBe('BAD_USER_INPUT'); // GG, +44 7911
    expect(await code(p.beforeSend('+33612345678'))).toBe('BAD_USER_INPUT');
    expect(await code(p.beforeSend('+80012345678'))).toBe('BAD_USER_INPUT'); // non-geographic
  });

  test('daily cap per phone number', async () => {
    const p = policy(null, { smsDailyCapPerPhone: 2 });
    expect(await code(p.beforeSend('+447400123456'))).toBe('OK');
    expect(await code(p.beforeSend('+447400123456'))).toBe('OK');
    expect(await code(p.beforeSend('+447400123456'))).toBe('RATE_LIMITED');
    expect(await code(p.beforeSend('+447400123457'))).toBe('OK');
  });

  test('hourly cap per country calling code', async () => {
    const p = policy(null, { smsHourlyCapPerCountryCode: 2 });
    expect(await code(p.beforeSend('+447400123456'))).toBe('OK');
    expect(await code(p.beforeSend('+447400123457'))).toBe('OK');
    expect(await code(p.beforeSend('+447400123458'))).toBe('RATE_LIMITED');
    expect(await code(p.beforeSend('+33612345678'))).toBe('OK');
  });
});
