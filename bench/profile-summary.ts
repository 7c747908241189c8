/**
 * node dist/bench/profile-summary.js <file.cpuprofile> [top] [--during=<regex>]
 * Self time by function and by package from a V8 CPU profile (node --cpu-prof), biggest first.
 * --during: only the stretch of the run where a function matching the regex (name or file) was on the stack,
 * e.g. `--during=checkWith` for the verifyOtp scenario of a whole bench run (its longest busy stretch, gaps
 * under 2 s), so seeding and the other scenarios stay out of the figures.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function packageOf(url: string): string {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node core';
  const dist = url.indexOf('/dist/');
  return dist >= 0
    ? `warden ${url
        .slice(dist + 6)
        .split('/')
        .slice(0, 2)
        .join('/')}`
    : url;
}

/** [first, last] sample indexes of the longest stretch where `during` was on the stack (gaps under 2 s). */
function stretch(profile: Profile, byId: Map<number, ProfileNode>, during: RegExp): [number, number] | null {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const onStack = new Map<number, boolean>();
  const matches = (id: number): boolean => {
    const known = onStack.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)!.callFrame;
    const up = parent.get(id);
    const result = during.test(`${frame.functionName} ${frame.url}`) || (up !== undefined && matches(up));
    onStack.set(id, result);
    return result;
  };
  const at: number[] = [];
  let t = profile.startTime;
  profile.timeDeltas.forEach((d) => at.push((t += d)));
  const hits = profile.samples.flatMap((id, i) => (matches(id) ? [i] : []));
  if (hits.length === 0) return null;
  let best: [number, number] = [0, 0];
  let start = 0;
  for (let k = 1; k <= hits.length; k++) {
    if (k === hits.length || at[hits[k]!]! - at[hits[k - 1]!]! > 2e6) {
      if (k - start > best[1] - best[0]) best = [start, k];
      start = k;
    }
  }
  return [hits[best[0]]!, hits[best[1] - 1]!];
}

export function summarise(file: string, top = 25, during?: RegExp): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const window = during ? stretch(profile, byId, during) : null;
  if (during && !window) return `${file}: ${during} is never on the stack`;
  const [first, last] = window ?? [0, profile.samples.length - 1];
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = first; i <= last; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    totalUs += us;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + us);
  }
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = frame.functionName === '(idle)' ? '(idle)' : frame.functionName === '(garbage collector)' ? '(garbage collector)' : packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)} %`;
  const lines = [`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled${during ? ` while ${during} ran` : ''}`, '', 'self time by package:'];
  for (const [k, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const during = args.find((a) => a.startsWith('--during='))?.slice('--during='.length);
  const [file, top] = args.filter((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top] [--during=<regex>]\n');
    process.exit(2);
  }
  process.stdout.write(summarise(file, Number(top ?? 25), during ? new RegExp(during) : undefined) + '\n');
}
