/** One Prometheus text-format scrape of /metrics, read by series name and exact label set. */
export class MetricsScrape {
  private constructor(
    readonly text: string,
    private readonly samples: { name: string; labels: Record<string, string>; value: number }[],
  ) {}

  static async of(baseUrl: string, headers: Record<string, string> = {}): Promise<MetricsScrape> {
    const response = await fetch(`${baseUrl}/metrics`, { headers });
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.startsWith('text/plain')) throw new Error(`GET /metrics content-type ${contentType}`);
    return MetricsScrape.parse(await response.text());
  }

  static parse(text: string): MetricsScrape {
    const samples = [];
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
      samples.push({ name: match[1]!, labels, value: Number(match[3]) });
    }
    return new MetricsScrape(text, samples);
  }

  /** The sample with exactly these labels; 0 when the series does not exist (yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    const wanted = Object.entries(labels);
    const found = this.samples.find((s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v));
    return found?.value ?? 0;
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

/** How much each series moved between two scrapes. */
export function delta(before: MetricsScrape, after: MetricsScrape, name: string, labels: Record<string, string> = {}): number {
  return after.value(name, labels) - before.value(name, labels);
}
