import http from 'node:http';

/**
 * A GraphQL POST over node:http, for headers fetch will not let a test set (Host).
 * Returns the parsed JSON body.
 */
export function postGraphqlRaw(baseUrl: string, body: object, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  const url = new URL('/graphql', baseUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
