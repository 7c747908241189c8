import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

function loadOrCreate(dataDir: string, name: string, create: () => string): string {
  const file = path.resolve(dataDir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const value = create();
  fs.writeFileSync(file, value, { mode: 0o600 });
  return value;
}

/** Development only: an Ed25519 signing key generated once into dataDir and reused across restarts. */
export function loadOrCreateDevSigningKey(dataDir: string): string {
  return loadOrCreate(dataDir, 'jwt-private-key.pem', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

/** Development only: the HMAC secret for codes and tokens at rest. */
export function loadOrCreateDevSecret(dataDir: string): string {
  return loadOrCreate(dataDir, 'secret', () => randomBytes(32).toString('base64url'));
}
