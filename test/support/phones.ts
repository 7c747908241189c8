import { randomInt } from 'node:crypto';

let n = 0;

/** A fresh valid French mobile number in E.164 (+3361 + 7 digits), unique within a test file. */
export function uniquePhone(): string {
  const tail = (randomInt(0, 1_000) * 10_000 + (n++ % 10_000)).toString().padStart(7, '0');
  return `+3361${tail}`;
}

/** The same number as a person might type it: spaces between groups. */
export function spaced(e164: string): string {
  return `${e164.slice(0, 3)} ${e164.slice(3, 4)} ${e164.slice(4, 6)} ${e164.slice(6, 8)} ${e164.slice(8, 10)} ${e164.slice(10)}`;
}
