import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { createApp } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // Every problem at once, one line each, so one start names everything to fix.
      for (const problem of error.problems) process.stderr.write(`warden: configuration error: ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  const url = await app.listen();
  app.logger.info({ url: `${url}/graphql` }, `Warden is listening on ${config.publicUrl}/graphql`);
  if (!config.isProduction) process.stdout.write(`\n  Warden ready: open ${config.publicUrl}/graphql for Apollo Sandbox\n\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ signal }, 'draining in-flight requests, then closing pools');
    app
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`warden: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
