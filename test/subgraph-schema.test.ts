import fs from 'node:fs';
import path from 'node:path';
import { printWardenSubgraphSchema, SUBGRAPH_HEADER } from '../src/graphql/federation';

describe('schema/subgraph.graphql (FEDERATION_ENABLED=true)', () => {
  const checkedIn = fs.readFileSync(path.join(__dirname, '..', 'schema', 'subgraph.graphql'), 'utf8');

  test('is exactly what the type-graphql classes emit as a subgraph (run `npm run schema` after changing them)', async () => {
    expect(checkedIn).toBe(await printWardenSubgraphSchema());
  });

  test('is a Federation 2 subgraph (the pinned @link; without it the SDL would silently read as Federation 1)', () => {
    const sdl = checkedIn.slice(SUBGRAPH_HEADER.length);
    expect(sdl).toMatch(/^extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.3", import: \["@key"\]\)/);
    expect(sdl).toMatch(/^type User\s+@key\(fields: "id"\)\s*\{/m);
    expect(sdl).toMatch(/^type Organization\s+@key\(fields: "id"\)\s*\{/m);
  });
});
