// Runs the example receiver: `WEBHOOK_SECRET=whsec_… PORT=4500 npx tsx examples/webhook-receiver/main.ts`
// (see README.md here). Prints each applied event as one JSON line.
import { startWebhookReceiver } from './receiver';

async function main() {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) throw new Error('WEBHOOK_SECRET (the whsec_… secret Warden showed for the endpoint) is required');
  const receiver = await startWebhookReceiver({
    secret,
    port: Number(process.env.PORT ?? 4500),
    host: process.env.HOST ?? '127.0.0.1',
  });
  process.stderr.write(`webhook receiver listening on ${receiver.url}\n`);
  const stop = async () => {
    await receiver.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
