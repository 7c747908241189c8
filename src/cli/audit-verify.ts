// `npm run audit:verify`: walks the sealed audit chain (DATABASE_URL, DATABASE_SCHEMA) and prints what
// adminVerifyAuditChain answers, as JSON. Exit 0: it verifies; 1: a row breaks it; 2: it could not run.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config';
import { createDataSource } from '../db/data-source';
import { verifyAuditChain } from '../modules/audit/audit-verify';

export interface AuditVerifyRun {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

export async function auditVerify(env?: NodeJS.ProcessEnv): Promise<AuditVerifyRun> {
  let dataSource;
  try {
    const config = loadConfig(env);
    if (!config.databaseUrl) {
      return {
        code: 2,
        stdout: '',
        stderr: 'audit:verify: DATABASE_URL is not set (the embedded database is only open inside the gateway: use adminVerifyAuditChain)\n',
      };
    }
    dataSource = createDataSource({ url: config.databaseUrl, schema: config.databaseSchema, poolSize: 1, migrations: false });
    await dataSource.initialize();
    const result = await verifyAuditChain(dataSource.manager);
    return { code: result.ok ? 0 : 1, stdout: `${JSON.stringify(result, null, 2)}\n`, stderr: '' };
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    return { code: 2, stdout: '', stderr: `audit:verify: ${message}\n` };
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}

if (require.main === module) {
  // The environment as loadConfig reads it (only src/config reads the environment).
  void auditVerify().then((run) => {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    process.exitCode = run.code;
  });
}
