/** WEBHOOK_RETRY_SCHEDULE_SECONDS: 1 to 20 comma-separated whole numbers, each 0 to 86400 (the delays before attempts 2, 3…). */
export function parseRetrySchedule(raw: string | undefined): readonly number[] {
  const entries = (raw ?? '').split(',').map((s) => s.trim());
  if (entries.length < 1 || entries.length > 20) throw new Error(`${entries.length} entries, 1 to 20 expected`);
  return Object.freeze(
    entries.map((entry) => {
      if (!/^\d{1,6}$/.test(entry) || Number(entry) > 86400) throw new Error(`"${entry}" is not a whole number of seconds from 0 to 86400`);
      return Number(entry);
    }),
  );
}

/** WEBHOOK_ALLOW_PRIVATE_NETWORKS: true or false (any case). */
export function parseAllowPrivateNetworks(raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`"${raw}" is not true or false`);
}
