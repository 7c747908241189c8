import type { DataSource } from 'typeorm';
import type { AuditService } from '../../src/modules/audit/audit.service';
import type { AuditEventName } from '../../src/modules/audit/audit-events';
import type { Notices } from '../../src/kernel/notices';
import type { RequestMeta } from '../../src/modules/request-meta';
import type { ErrorCode } from '../../src/errors/error-codes';
import { WardenError } from '../../src/errors/warden-error';
import { helloDeclarations } from './hello.declarations';
import { greetedMail } from './hello-mail';

// Outside src/modules/declarations.ts, the closed unions (AuditEventName, ErrorCode) do not name hello's entries:
// they are widened here, once. Moved to src/modules/hello/ and listed, `AuditEvents.helloGreeted` and
// 'NAME_NOT_GREETED' type-check as they are and these two lines go.
const GREETED = helloDeclarations.auditEvents.helloGreeted as string as AuditEventName;
const NAME_NOT_GREETED = 'NAME_NOT_GREETED' satisfies keyof typeof helloDeclarations.errorCodes as string as ErrorCode;

export interface HelloServiceDeps {
  db: DataSource;
  audit: AuditService;
  notices: Notices;
  /** HELLO_MAX_NAME_LENGTH */
  maxNameLength: number;
  /** HELLO_GREETING: the template, `{name}` once. */
  greeting: string;
  productName: string;
}

export class HelloService {
  constructor(private readonly deps: HelloServiceDeps) {}

  /** Greets `name` on behalf of the viewer: one audit row, then (after it is written) a notice to the viewer. */
  async greet(userId: string, name: string, meta: RequestMeta): Promise<string> {
    if (name.length > this.deps.maxNameLength) throw new WardenError(NAME_NOT_GREETED, { extensions: { field: 'name' } });
    const greeting = this.deps.greeting.replace('{name}', () => name);
    await this.deps.audit.record(this.deps.db.manager, { event: GREETED, userId, meta, data: { nameLength: name.length } });
    await this.deps.notices.send(userId, { flow: 'hello_notice', mail: greetedMail(this.deps.productName, greeting) }, meta);
    return greeting;
  }
}
