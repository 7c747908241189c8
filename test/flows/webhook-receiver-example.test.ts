import { newWebhookSecret, webhookSignature } from '../../src/modules/webhooks/signing';
import { sendWebhook } from '../../src/modules/webhooks/transport/send';
import { startWebhookReceiver, type Receiver, type WardenEvent } from '../../examples/webhook-receiver/receiver';

// The example receiver (examples/webhook-receiver) against deliveries made the way Warden makes them: the body of
// the contract's Request, signed with Warden's own signing code and posted by its transport (sendWebhook).

const secret = newWebhookSecret();
let receiver: Receiver;
let printed: WardenEvent[];

beforeEach(async () => {
  printed = [];
  receiver = await startWebhookReceiver({ secret, onEvent: (event) => printed.push(event) });
});
afterEach(() => receiver.close());

let counter = 0;
function event(overrides: Partial<WardenEvent> = {}): WardenEvent {
  counter++;
  return {
    id: `evt_${String(counter).padStart(4, '0')}`,
    type: 'user.updated',
    timestamp: new Date().toISOString(),
    sequence: 1,
    aggregateType: 'user',
    aggregateId: 'usr_1',
    organizationId: null,
    data: { user: { id: 'usr_1', name: 'Ada' }, changed: ['name'] },
    ...overrides,
  };
}

interface Delivery {
  id: string;
  timestampSec: number;
  body: string;
  signature: string;
}

function sign(e: WardenEvent, opts: { secrets?: string[]; timestampSec?: number } = {}): Delivery {
  const body = JSON.stringify(e);
  const timestampSec = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  return { id: e.id, timestampSec, body, signature: webhookSignature(opts.secrets ?? [secret], e.id, timestampSec, body) };
}

async function deliver(d: Delivery, headers: Record<string, string> = {}) {
  const result = await sendWebhook({
    url: receiver.url,
    allowPrivateNetworks: true,
    timeoutMs: 5000,
    body: d.body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': d.id,
      'webhook-timestamp': String(d.timestampSec),
      'webhook-signature': d.signature,
      ...headers,
    },
  });
  return { status: result.statusCode, body: result.body };
}

describe('the example webhook receiver (examples/webhook-receiver)', () => {
  it('the example receiver refuses a forged and a replayed delivery', async () => {
    const good = sign(event({ sequence: 1 }));
    expect(await deliver(good)).toEqual({ status: 200, body: 'applied' });
    expect(printed.map((e) => e.id)).toEqual([good.id]);

    // Forged: signed with a secret that is not the endpoint's, or a body changed after signing.
    const forged = sign(event({ sequence: 2 }), { secrets: [newWebhookSecret()] });
    expect(await deliver(forged)).toEqual({ status: 401, body: 'bad signature or timestamp' });
    const tampered = sign(event({ sequence: 3 }));
    expect(await deliver({ ...tampered, body: tampered.body.replace('Ada', 'Eve') })).toMatchObject({ status: 401 });
    expect(await deliver({ ...good, signature: 'v1,' + Buffer.alloc(32).toString('base64') })).toMatchObject({ status: 401 });

    // Replayed as captured, at once: acknowledged (so a retry stops) but not applied twice.
    expect(await deliver(good)).toEqual({ status: 200, body: 'duplicate' });
    // Replayed later: a capture from 10 minutes ago is outside the tolerance, whatever its id.
    const captured = sign(event({ sequence: 9 }), { timestampSec: Math.floor(Date.now() / 1000) - 600 });
    expect(await deliver(captured)).toEqual({ status: 401, body: 'bad signature or timestamp' });
    // A timestamp from the future is refused too; a fresh signature over the old id is only a duplicate.
    expect(await deliver(sign(event({ sequence: 10 }), { timestampSec: Math.floor(Date.now() / 1000) + 600 }))).toMatchObject({ status: 401 });
    expect(await deliver({ ...sign(JSON.parse(good.body) as WardenEvent) })).toEqual({ status: 200, body: 'duplicate' });

    expect(printed.map((e) => e.id)).toEqual([good.id]);
  });

  it('refuses a delivery without the Standard Webhooks headers with 400', async () => {
    const d = sign(event());
    expect(await deliver(d, { 'webhook-signature': '' })).toMatchObject({ status: 401 });
    const bare = await fetch(receiver.url, { method: 'POST', body: d.body, headers: { 'content-type': 'application/json' } });
    expect(bare.status).toBe(400);
    expect(printed).toEqual([]);
  });

  it('accepts both signatures of a rotation, and skips an event not newer than the last applied for its aggregate', async () => {
    const rotated = sign(event({ sequence: 2 }), { secrets: [newWebhookSecret(), secret] });
    expect(rotated.signature.split(' ')).toHaveLength(2);
    expect(await deliver(rotated)).toEqual({ status: 200, body: 'applied' });

    // Delivery is unordered: sequence 1 of the same user arrives after 2 and is skipped; another user's is applied.
    expect(await deliver(sign(event({ sequence: 1 })))).toEqual({ status: 200, body: 'stale' });
    expect(await deliver(sign(event({ sequence: 1, aggregateId: 'usr_2' })))).toEqual({ status: 200, body: 'applied' });
    expect(await deliver(sign(event({ sequence: 3 })))).toEqual({ status: 200, body: 'applied' });
    expect(printed.map((e) => [e.aggregateId, e.sequence])).toEqual([
      ['usr_1', 2],
      ['usr_2', 1],
      ['usr_1', 3],
    ]);
  });
});
