import net from 'node:net';
import { Client } from 'pg';
import { backends } from '../support/backends';

/**
 * Several connections at once against DATABASE_URL: in `npm test` without DATABASE_URL that is the PGlite
 * database jest's global setup serves (serializedPgliteServer in src/db/embedded-postgres.ts), where every app, its pollers, CLI children and
 * the tests' own clients share ONE session. Each request (Parse … Sync) must be served whole: interleaved, a
 * connection's Bind ran another connection's unnamed statement (wrong rows) or failed ("unnamed prepared
 * statement does not exist"). Big parameters make the driver's writes arrive in several reads, as under load.
 * Against a real PostgreSQL server the same assertions hold.
 */
describe('the test database serves concurrent connections one whole request at a time', () => {
  const clients: Client[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      const client = new Client({ connectionString: backends.databaseUrl! });
      await client.connect();
      clients.push(client);
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
  });

  it('four connections with extended-protocol queries of mixed sizes each get their own answers', async () => {
    const answers = await Promise.all(
      clients.map(async (client, k) => {
        const wrong: string[] = [];
        for (let i = 0; i < 45; i++) {
          const big = i % 3 === 0 ? 300_000 : 10;
          const { rows } = (await client.query(`SELECT $1::int + ${k} AS v, length($2::text) AS n, ${k} AS k`, [i, 'x'.repeat(big)])) as {
            rows: { v: number; n: number; k: number }[];
          };
          if (rows[0]!.v !== i + k || rows[0]!.n !== big || rows[0]!.k !== k) wrong.push(`${k}/${i}: ${JSON.stringify(rows[0])}`);
        }
        return wrong;
      }),
    );
    expect(answers.flat()).toEqual([]);
  });

  it('a connection that leaves in the middle of a failed request (Parse sent, no Sync) does not stop or confuse the others', async () => {
    const url = new URL(backends.databaseUrl!);
    const socket = net.connect(Number(url.port || 5432), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    // StartupMessage (protocol 3.0, user and database), then read until ReadyForQuery.
    const params = Buffer.from(`user\0${decodeURIComponent(url.username) || 'postgres'}\0database\0${url.pathname.slice(1) || 'postgres'}\0\0`);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    const ready = new Promise<void>((resolve) => {
      let seen = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        seen = Buffer.concat([seen, data]);
        if (seen.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) resolve();
      });
    });
    socket.write(Buffer.concat([startup, params]));
    await ready;
    // Parse of a statement that fails, then nothing: the request is open and the session skips every message
    // until a Sync, which the server must send for the connection that left.
    const sql = Buffer.from('SELEC 1\0');
    const parse = Buffer.alloc(1 + 4);
    parse.write('P', 0);
    parse.writeInt32BE(4 + 1 + sql.length + 2, 1);
    socket.write(Buffer.concat([parse, Buffer.from('\0'), sql, Buffer.from([0, 0])]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    const { rows } = (await clients[0]!.query('SELECT $1::int AS v', [7])) as { rows: { v: number }[] };
    expect(rows).toEqual([{ v: 7 }]);
  });
});
