import fs from 'node:fs';
import path from 'node:path';
import { printWardenSchema } from './schema';

/** npm run schema: writes schema/schema.graphql. */
async function main() {
  const file = path.resolve(__dirname, '..', '..', '..', 'schema', 'schema.graphql');
  const text = await printWardenSchema();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
