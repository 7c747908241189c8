import fs from 'node:fs';
import path from 'node:path';
import { listVariables } from '../config/variables';
import { errorCodeTable } from '../errors/error-codes';

/** Markdown table cell: no pipe or newline breaks the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Every variable the process reads (src/config/variables.ts listVariables), as docs/configuration.md shows it. */
export function variableTable(): string {
  const rows = listVariables().map((v) => {
    const fallback = v.default === null ? 'unset' : `\`${v.default}\``;
    const bounds = v.min !== undefined && v.max !== undefined ? `${v.min} to ${v.max}` : '';
    const required = v.required === 'production' ? ' **Required when `NODE_ENV=production`.**' : '';
    return `| \`${v.env}\` | ${fallback} | ${bounds} | ${v.module} | ${cell(v.doc)}${required} |`;
  });
  return ['| variable | default | bounds | module | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** Every error code (core and each module's declarations), as docs/api.md shows it. */
export function errorCodeDocTable(): string {
  const rows = errorCodeTable.map((e) => `| \`${e.code}\` | ${e.module} | ${e.logLevel} | ${cell(e.message)} |`);
  return ['| code | module | logged at | default message |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Replaces what lies between `<!-- generated:<name> start -->` and `<!-- generated:<name> end -->`. */
export function withGenerated(text: string, name: string, content: string): string {
  const start = `<!-- generated:${name} start (npm run docs:generate) -->`;
  const end = `<!-- generated:${name} end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the markers of generated:${name} are missing`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

const sections: readonly { file: string; name: string; render: () => string }[] = [
  { file: 'docs/configuration.md', name: 'variables', render: variableTable },
  { file: 'docs/api.md', name: 'error-codes', render: errorCodeDocTable },
];

/** Each generated doc file as it should read, from the committed text under `root`. */
export function generatedDocs(root: string): { file: string; current: string; expected: string }[] {
  const files = [...new Set(sections.map((s) => s.file))];
  return files.map((file) => {
    const current = fs.readFileSync(path.join(root, file), 'utf8');
    const expected = sections.filter((s) => s.file === file).reduce((text, s) => withGenerated(text, s.name, s.render()), current);
    return { file, current, expected };
  });
}
