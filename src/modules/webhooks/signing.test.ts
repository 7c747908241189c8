import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, webhookSignature } from './signing';

// The Standard Webhooks specification's published vector (standard-webhooks/standard-webhooks,
// libraries/javascript/src/webhook.test.ts, "sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampSec: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function headers(id: string, timestampSec: number, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': signature };
}

describe('webhook signing (Standard Webhooks)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reproduces the published test vector, and standardwebhooks signs the same', () => {
    expect(webhookSignature([VECTOR.secret], VECTOR.id, VECTOR.timestampSec, VECTOR.body)).toBe(VECTOR.signature);
    const reference = new Webhook(VECTOR.secret).sign(VECTOR.id, new Date(VECTOR.timestampSec * 1000), VECTOR.body);
    expect(reference).toBe(VECTOR.signature);
  });

  it('is verified by standardwebhooks with the vector clock', () => {
    jest.spyOn(Date, 'now').mockReturnValue(VECTOR.timestampSec * 1000 + 30_000);
    const signature = webhookSignature([VECTOR.secret], VECTOR.id, VECTOR.timestampSec, VECTOR.body);
    expect(new Webhook(VECTOR.secret).verify(VECTOR.body, headers(VECTOR.id, VECTOR.timestampSec, signature))).toEqual({
      test: 2432232314,
    });
  });

  it('a new secret is whsec_ + base64 of 32 random bytes, and its signatures verify', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ id: 'evt_1', type: 'user.created', data: { name: 'Zoë ✓' } });
    const signature = webhookSignature([secret], 'evt_1', now, body);
    expect(() => new Webhook(secret).verify(body, headers('evt_1', now, signature))).not.toThrow();
  });

  it('during a rotation both secrets sign, newest first, and either verifies; a changed body verifies with neither', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const body = '{"id":"evt_2"}';
    const signature = webhookSignature([newSecret, oldSecret], 'evt_2', now, body);
    const parts = signature.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(webhookSignature([newSecret], 'evt_2', now, body));
    expect(parts[1]).toBe(webhookSignature([oldSecret], 'evt_2', now, body));
    for (const secret of [newSecret, oldSecret]) {
      expect(() => new Webhook(secret).verify(body, headers('evt_2', now, signature))).not.toThrow();
      expect(() => new Webhook(secret).verify('{"id":"evt_3"}', headers('evt_2', now, signature))).toThrow();
    }
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers('evt_2', now, signature))).toThrow();
  });

  it('refuses no secrets and fractional timestamps (programmer errors)', () => {
    expect(() => webhookSignature([], 'evt', 1, '')).toThrow(TypeError);
    expect(() => webhookSignature([VECTOR.secret], 'evt', 1.5, '')).toThrow(TypeError);
  });
});
