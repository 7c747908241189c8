/**
 * The parsers of breached-passwords' settings (breached-passwords.declarations.ts): plain functions of the
 * variable's trimmed text (undefined: unset and no default). Each refusal is an Error whose message leaves out
 * the variable's name (the configuration writes `NAME: message`).
 */

export type HibpFailureMode = 'open' | 'closed';

/** HIBP_ENABLED: true or false; unset, on in production only. */
export function parseHibpEnabled(raw: string | undefined, isProduction: boolean): boolean {
  if (raw === undefined) return isProduction;
  if (raw !== 'true' && raw !== 'false') throw new Error('must be true or false');
  return raw === 'true';
}

/**
 * HIBP_API_URL: an absolute http(s) URL, written with `://` (`http:example.com` is refused), returned as given
 * (not normalised; tabs and line breaks, which the URL parser drops, are dropped too).
 */
export function parseHibpApiUrl(raw: string | undefined): string {
  const url = raw !== undefined && /^https?:\/\//i.test(raw) ? URL.parse(raw) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new Error('must be an http(s) URL');
  return raw!.replace(/[\t\n\r]/g, '');
}

/** HIBP_FAILURE_MODE: open or closed. */
export function parseHibpFailureMode(raw: string | undefined): HibpFailureMode {
  if (raw !== 'open' && raw !== 'closed') throw new Error('must be open or closed');
  return raw;
}
