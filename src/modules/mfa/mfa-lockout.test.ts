import { MfaLockout } from './mfa-lockout';
import { MemoryKvStore } from '../../store/memory-kv-store';
import { defaultLimits, type Limits } from '../../config/limits';
import { WardenError } from '../../errors/warden-error';

const limits: Limits = { ...defaultLimits, mfaLockoutThreshold: 3, loginLockoutSeconds: 60, loginLockoutMaxSeconds: 240 };

function setup() {
  let nowMs = 1_800_000_000_000;
  const kv = new MemoryKvStore(() => nowMs);
  const lockout = new MfaLockout(kv, limits, () => nowMs);
  return { lockout, advance: (seconds: number) => (nowMs += seconds * 1000) };
}

async function retryAfter(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WardenError);
  expect((error as WardenError).code).toBe('RATE_LIMITED');
  return (error as WardenError).extensions.retryAfter as number;
}

describe('MfaLockout (F6)', () => {
  test('the threshold-th consecutive failure locks; each later failure (one try per lock) locks twice as long, up to the maximum', async () => {
    const { lockout, advance } = setup();
    for (let i = 1; i <= 2; i++) expect(await (await lockout.begin('u')).failed()).toEqual({ lockedLevel: null });
    expect(await (await lockout.begin('u')).failed()).toEqual({ lockedLevel: 1 });
    expect(await retryAfter(lockout.begin('u'))).toBe(60);
    const expected = [120, 240, 240];
    for (const seconds of expected) {
      advance(3600);
      const attempt = await lockout.begin('u');
      await attempt.failed();
      expect(await retryAfter(lockout.begin('u'))).toBe(seconds);
    }
  });

  test('a day without tries does not reset the count (no window); a success does', async () => {
    const { lockout, advance } = setup();
    for (let i = 0; i < 2; i++) await (await lockout.begin('u')).failed();
    advance(24 * 3600);
    expect(await (await lockout.begin('u')).failed()).toEqual({ lockedLevel: 1 });
    advance(3600);
    await lockout.clear('u');
    for (let i = 0; i < 2; i++) expect(await (await lockout.begin('u')).failed()).toEqual({ lockedLevel: null });
  });

  test('a parallel burst gets the allowance and no more: the tries past it are refused unchecked', async () => {
    const { lockout } = setup();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => lockout.begin('u')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(7);
  });

  test('users are counted apart', async () => {
    const { lockout } = setup();
    for (let i = 0; i < 3; i++) await (await lockout.begin('a')).failed();
    await expect(lockout.begin('a')).rejects.toThrow(WardenError);
    await expect(lockout.begin('b')).resolves.toBeTruthy();
  });
});
