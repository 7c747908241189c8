import fs from 'node:fs';
import path from 'node:path';
import { printWardenSchema } from './schema';
import { printWardenSubgraphSchema } from './federation';

/** npm run schema: writes schema/schema.graphql and the federation subgraph SDL schema/subgraph.graphql. */
async function main() {
  const dir = path.resolve(__dirname, '..', '..', '..', 'schema');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of [
    ['schema.graphql', await printWardenSchema()],
    ['subgraph.graphql', await printWardenSubgraphSchema()],
  ] as const) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
