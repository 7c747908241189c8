/**
 * Which backends the integration suite talks to. With DATABASE_URL / REDIS_URL set (CI), real
 * PostgreSQL and Redis; otherwise the embedded defaults (PGlite, in-process store), as `npm start`.
 * Tests may read the environment; src/ may not (STYLE.md rule 9).
 */
export const backends = {
  databaseUrl: process.env.DATABASE_URL || null,
  redisUrl: process.env.REDIS_URL || null,
};

export const hasRealRedis = backends.redisUrl !== null;
export const hasRealPostgres = backends.databaseUrl !== null;
