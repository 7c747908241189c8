import { SendTiming } from './send-timing';
import { WardenError } from '../errors/warden-error';

/** A SendTiming on a fake clock: sleeps are recorded, not waited. */
function fakeTiming(random = 0.5) {
  let nowMs = 0;
  const slept: number[] = [];
  const timing = new SendTiming(
    50,
    async (ms) => {
      slept.push(ms);
    },
    () => nowMs,
    () => random,
  );
  const work = (ms: number) => async () => {
    nowMs += ms;
    return ms;
  };
  return { timing, slept, work };
}

describe('SendTiming', () => {
  test('before any real send a decoy waits the initial estimate', async () => {
    const { timing, slept } = fakeTiming();
    await timing.imitate('magic-link');
    expect(slept).toEqual([50]);
  });

  test('the first real send sets the estimate, later ones move it (moving average)', async () => {
    const { timing, work } = fakeTiming();
    await timing.measure('magic-link', work(300));
    expect(timing.averageMs('magic-link')).toBe(300);
    await timing.measure('magic-link', work(100));
    expect(timing.averageMs('magic-link')).toBeCloseTo(260);
  });

  test('kinds are kept apart', async () => {
    const { timing, work } = fakeTiming();
    await timing.measure('password-reset', work(400));
    expect(timing.averageMs('magic-link')).toBe(50);
    expect(timing.averageMs('password-reset')).toBe(400);
  });

  test('a failed send does not move the estimate', async () => {
    const { timing, work } = fakeTiming();
    await timing.measure('otp-email', work(200));
    await expect(
      timing.measure('otp-email', async () => {
        throw new Error('smtp down');
      }),
    ).rejects.toThrow('smtp down');
    expect(timing.averageMs('otp-email')).toBe(200);
  });

  test('imitate jitters ±20 % around the estimate', async () => {
    const low = fakeTiming(0);
    await low.timing.measure('k', low.work(100));
    await low.timing.imitate('k');
    const high = fakeTiming(0.999999);
    await high.timing.measure('k', high.work(100));
    await high.timing.imitate('k');
    expect(low.slept[0]).toBeCloseTo(80);
    expect(high.slept[0]).toBeCloseTo(120);
  });

  test('pad runs the decoy work and waits the estimate alongside it, returning the work result', async () => {
    const { timing, slept, work } = fakeTiming();
    await timing.measure('k', work(250));
    const result = await timing.pad('k', work(5));
    expect(result).toBe(5);
    expect(slept).toEqual([250]);
  });
});

describe('SendTiming while SMTP refuses', () => {
  const smtpDown = () => WardenError.unavailable('smtp', new Error('550'));

  test('after a real send is refused, decoys fail the same way without doing their work; a real success clears it', async () => {
    const { timing, work } = fakeTiming();
    await expect(timing.measure('magic-link', () => Promise.reject(smtpDown()))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    let ran = false;
    const decoy = timing.pad('password-reset', async () => {
      ran = true;
    });
    await expect(decoy).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { dependency: 'smtp' } });
    expect(ran).toBe(false);

    await timing.measure('magic-link', work(10));
    await expect(timing.pad('password-reset', work(1))).resolves.toBe(1);
  });

  test('imitateSend waits like a real send, and fails like one while SMTP refuses', async () => {
    const { timing, slept, work } = fakeTiming();
    await timing.measure('resend', work(120));
    await timing.imitateSend('resend');
    expect(slept).toEqual([120]);
    await expect(timing.measure('resend', () => Promise.reject(smtpDown()))).rejects.toBeTruthy();
    await expect(timing.imitateSend('resend')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  test('other failures (PostgreSQL down, bad input) do not make decoys fail', async () => {
    const { timing, work } = fakeTiming();
    await expect(timing.measure('k', () => Promise.reject(WardenError.unavailable('postgres', new Error('down'))))).rejects.toBeTruthy();
    await expect(timing.measure('k', () => Promise.reject(WardenError.badInput('no')))).rejects.toBeTruthy();
    await expect(timing.pad('k', work(1))).resolves.toBe(1);
  });
});
