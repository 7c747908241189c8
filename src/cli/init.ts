import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

/** The production variables `warden init` cannot choose: written empty, each with what to put there. */
export const PLACEHOLDERS: readonly { name: string; comment: string }[] = [
  { name: 'DATABASE_URL', comment: 'PostgreSQL, e.g. postgres://warden:password@db.internal:5432/warden' },
  { name: 'REDIS_URL', comment: 'Redis, e.g. redis://redis.internal:6379 (or REDIS_CLUSTER_NODES=host:port,host:port)' },
  { name: 'SMTP_URL', comment: 'the mail server, e.g. smtps://user:password@smtp.example.com:465' },
  { name: 'MAIL_FROM', comment: 'the sender of every mail, e.g. Example <no-reply@example.com>' },
  { name: 'PUBLIC_URL', comment: "Warden's public URL (token issuer, links in mails), e.g. https://auth.example.com" },
  { name: 'APP_URL', comment: 'your frontend, e.g. https://app.example.com (reset and magic links open there)' },
];

export interface InitResult {
  written: boolean;
  /** The placeholders still empty in the file: what the operator has to fill in. */
  toFill: string[];
}

/** A .env for NODE_ENV=production: a fresh Ed25519 signing key, a fresh WARDEN_SECRET, the rest as placeholders. */
export function productionEnvFile(): string {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
  // 48 bytes from the CSPRNG: 64 base64url characters.
  const secret = randomBytes(48).toString('base64url');
  const lines = [
    '# Warden production settings, written by `npm run warden -- init`. Keep this file secret (never commit it).',
    '# `npm start` reads it (node --env-file-if-exists=.env); variables set in the environment win over it.',
    '# Every variable and its default: examples/.env.example and docs/configuration.md.',
    '',
    'NODE_ENV=production',
    '',
    '# Signs access tokens (Ed25519, EdDSA). Rotation: docs/operations.md.',
    `JWT_PRIVATE_KEY="${pem}"`,
    '',
    '# HMAC key for codes and tokens at rest (at least 32 characters).',
    `WARDEN_SECRET=${secret}`,
    '',
    '# To fill in:',
  ];
  for (const { name, comment } of PLACEHOLDERS) lines.push(`# ${comment}`, `${name}=`);
  return lines.join('\n') + '\n';
}

/**
 * Writes the file unless it exists, created with mode 0600. force: a new 0600 file (O_EXCL, in the same folder)
 * renamed over the target, so the secret is never in a readable file and a symlink at the target is replaced,
 * not written through.
 */
export function initEnvFile(file: string, options: { force?: boolean } = {}): InitResult {
  const toFill = PLACEHOLDERS.map((p) => p.name);
  if (!options.force) {
    try {
      fs.writeFileSync(file, productionEnvFile(), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { written: false, toFill };
      throw error;
    }
    return { written: true, toFill };
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, productionEnvFile(), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  return { written: true, toFill };
}
