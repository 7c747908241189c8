import { randomBytes } from 'node:crypto';
import { WebhookSecretBox } from './webhook-secret-box';
import { nextDelayMs } from './webhook-attempt';
import { parseRetrySchedule } from './webhook-settings';

describe('WebhookSecretBox: endpoint secrets sealed with AES-256-GCM under a key from WARDEN_SECRET', () => {
  const secret = 'whsec_' + randomBytes(32).toString('base64');

  test('seals to v1.<kid>.<data>, never the secret in clear, and opens back; each seal is fresh', () => {
    const box = new WebhookSecretBox(randomBytes(32));
    const a = box.seal('endpoint-1', secret);
    const b = box.seal('endpoint-1', secret);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain(secret.slice(6));
    expect(a).not.toBe(b);
    expect(box.open('endpoint-1', a)).toBe(secret);
  });

  test('another endpoint, another WARDEN_SECRET or a tampered value does not open; WARDEN_SECRET_PREVIOUS does', () => {
    const oldKey = randomBytes(32);
    const sealed = new WebhookSecretBox(oldKey).seal('endpoint-1', secret);
    expect(new WebhookSecretBox(oldKey).open('endpoint-2', sealed)).toBeNull();
    expect(new WebhookSecretBox(randomBytes(32)).open('endpoint-1', sealed)).toBeNull();
    const data = Buffer.from(sealed.split('.')[2]!, 'base64');
    data[data.length - 1] ^= 1;
    const tampered = `${sealed.split('.').slice(0, 2).join('.')}.${data.toString('base64')}`;
    expect(new WebhookSecretBox(oldKey).open('endpoint-1', tampered)).toBeNull();
    expect(new WebhookSecretBox(randomBytes(32), oldKey).open('endpoint-1', sealed)).toBe(secret);
  });
});

describe('retry schedule', () => {
  test('the delay before attempt n+1 is schedule[n-1] ±10 %; none after the last', () => {
    const schedule = parseRetrySchedule('5,300');
    expect(nextDelayMs(schedule, 1, () => 0)).toBe(4500);
    expect(nextDelayMs(schedule, 1, () => 1)).toBe(5500);
    expect(nextDelayMs(schedule, 2, () => 0.5)).toBe(300_000);
    expect(nextDelayMs(schedule, 3)).toBeNull();
    expect(nextDelayMs(parseRetrySchedule('0'), 1)).toBe(0);
  });
});
