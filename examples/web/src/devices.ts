import Bowser from 'bowser';

/**
 * "Chrome on Linux", "Safari on iOS", "Firefox on Windows": a device name people recognise, parsed from the
 * User-Agent a session or an event was recorded with (bowser). Anything it cannot name (curl, a server) is
 * "Unknown device"; the raw string stays available as a tooltip.
 */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const { browser, os, platform } = Bowser.parse(userAgent);
  const system = os.name === 'macOS' || os.name === 'iOS' || os.name === 'Android' ? os.name : os.name || platform.model || '';
  if (browser.name && system) return `${browser.name} on ${system}`;
  if (browser.name) return browser.name;
  if (system) return `Browser on ${system}`;
  return 'Unknown device';
}
