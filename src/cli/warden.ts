// `npm run warden -- <command>`: operator commands. Today one: `init [--force] [--file <path>]`.
import path from 'node:path';
import { initEnvFile } from './init';

const usage = 'usage: npm run warden -- init [--force] [--file .env]';

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command !== 'init') {
    process.stderr.write(`${usage}\n`);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
  let file = '.env';
  let force = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--force') force = true;
    else if (rest[i] === '--file' && rest[i + 1]) file = rest[++i]!;
    else {
      process.stderr.write(`warden init: unknown argument ${rest[i]}\n${usage}\n`);
      return 2;
    }
  }
  const target = path.resolve(file);
  const result = initEnvFile(target, { force });
  if (!result.written) {
    process.stderr.write(`warden init: ${target} exists; nothing written (--force replaces it, with a new key and secret)\n`);
    return 1;
  }
  process.stdout.write(
    [
      `Wrote ${target} (mode 0600): NODE_ENV=production, a new Ed25519 JWT_PRIVATE_KEY and a new WARDEN_SECRET.`,
      'Still to fill in:',
      ...result.toFill.map((name) => `  ${name}`),
      'Then `npm run migrate` and `npm start` (both read .env). Every variable: docs/configuration.md.',
      '',
    ].join('\n'),
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
