import { MemoryKvStore } from '../../store/memory-kv-store';
import { WardenError } from '../../errors/warden-error';
import { defaultLimits, type Limits } from '../../config/limits';
import { LoginLockout, type LoginAttempt } from './login-lockout';

const key = Buffer.from('k'.repeat(32));

function setup(overrides: Partial<Limits> = {}) {
  let nowMs = 1_700_000_000_000;
  const now = () => nowMs;
  const lockout = new LoginLockout(new MemoryKvStore(now), key, { ...defaultLimits, ...overrides }, now);
  return { lockout, advance: (seconds: number) => (nowMs += seconds * 1000) };
}

async function attempt(lockout: LoginLockout, email: string): Promise<LoginAttempt | WardenError> {
  try {
    return await lockout.begin(email);
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
}

async function failTimes(lockout: LoginLockout, email: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const a = await attempt(lockout, email);
    if (a instanceof WardenError) throw new Error(`attempt ${i + 1} was refused`);
    await a.failed();
  }
}

function retryAfter(result: LoginAttempt | WardenError): number {
  if (!(result instanceof WardenError) || result.code !== 'RATE_LIMITED') throw new Error('expected RATE_LIMITED');
  return result.extensions.retryAfter as number;
}

describe('LoginLockout', () => {
  test('10 failures lock password login for 15 minutes; the lock ends on its own', async () => {
    const { lockout, advance } = setup();
    await failTimes(lockout, 'ada@example.com', 10);
    expect(retryAfter(await attempt(lockout, 'ada@example.com'))).toBe(900);
    advance(600);
    expect(retryAfter(await attempt(lockout, 'ada@example.com'))).toBe(300);
    advance(300);
    expect(await attempt(lockout, 'ada@example.com')).not.toBeInstanceOf(WardenError);
  });

  test('nine failures do not lock', async () => {
    const { lockout } = setup();
    await failTimes(lockout, 'ada@example.com', 9);
    expect(await attempt(lockout, 'ada@example.com')).not.toBeInstanceOf(WardenError);
  });

  test('each repeat doubles the lock, up to one hour: 15, 30, 60, 60 minutes', async () => {
    const { lockout, advance } = setup();
    const seen: number[] = [];
    for (let round = 0; round < 4; round++) {
      await failTimes(lockout, 'ada@example.com', 10);
      const wait = retryAfter(await attempt(lockout, 'ada@example.com'));
      seen.push(wait);
      advance(wait);
    }
    expect(seen).toEqual([900, 1800, 3600, 3600]);
  });

  test('a correct password resets both the failure count and the doubling', async () => {
    const { lockout, advance } = setup();
    await failTimes(lockout, 'ada@example.com', 10);
    advance(900);
    await failTimes(lockout, 'ada@example.com', 9);
    const ok = await attempt(lockout, 'ada@example.com');
    if (ok instanceof WardenError) throw ok;
    await ok.succeeded();
    await failTimes(lockout, 'ada@example.com', 9); // would have locked at 1 more without the reset
    expect(await attempt(lockout, 'ada@example.com')).not.toBeInstanceOf(WardenError);
  });

  test('after the reset the next lock is 15 minutes again, not 30', async () => {
    const { lockout, advance } = setup();
    await failTimes(lockout, 'ada@example.com', 10);
    advance(900);
    const ok = await attempt(lockout, 'ada@example.com');
    if (ok instanceof WardenError) throw ok;
    await ok.succeeded();
    await failTimes(lockout, 'ada@example.com', 10);
    expect(retryAfter(await attempt(lockout, 'ada@example.com'))).toBe(900);
  });

  test('parallel guesses get at most 10 password checks; the rest are refused', async () => {
    const { lockout } = setup();
    const results = await Promise.all(Array.from({ length: 40 }, () => attempt(lockout, 'ada@example.com')));
    const allowed = results.filter((r): r is LoginAttempt => !(r instanceof WardenError));
    expect(allowed).toHaveLength(10);
    await Promise.all(allowed.map((a) => a.failed()));
    expect(retryAfter(await attempt(lockout, 'ada@example.com'))).toBe(900);
  });

  test('emails are locked independently; clear() lifts a lock', async () => {
    const { lockout } = setup();
    await failTimes(lockout, 'ada@example.com', 10);
    expect(await attempt(lockout, 'bob@example.com')).not.toBeInstanceOf(WardenError);
    await lockout.clear('ada@example.com');
    expect(await attempt(lockout, 'ada@example.com')).not.toBeInstanceOf(WardenError);
  });

  test('thresholds and durations come from the limits', async () => {
    const { lockout } = setup({ loginLockoutThreshold: 3, loginLockoutSeconds: 60, loginLockoutMaxSeconds: 90 });
    await failTimes(lockout, 'ada@example.com', 3);
    expect(retryAfter(await attempt(lockout, 'ada@example.com'))).toBe(60);
    expect(lockout.lockSeconds(2)).toBe(90);
    expect(lockout.lockSeconds(40)).toBe(90);
  });
});
