import { SendTiming } from './send-timing';

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
