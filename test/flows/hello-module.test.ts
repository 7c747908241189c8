import fs from 'node:fs';
import path from 'node:path';
import { gql } from 'graphql-tag';
import { printSchema } from 'graphql';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { ConfigError, loadConfig } from '../../src/config/config';
import { listVariables } from '../../src/config/variables';
import { buildWardenSchema } from '../../src/graphql/schema';
import { envExample, errorCodeDocTable, variableTable } from '../../src/docs/generated-docs';
import { wardenModules } from '../../src/modules';
import { moduleDeclarationList } from '../../src/modules/declarations';
import { helloModule } from '../../examples/hello-module';

/**
 * docs/architecture.md "Adding a capability: the hello example": examples/hello-module is a whole capability
 * (one query, one audit event, one limit, one setting, one error code, one notice mail) that is not in the product's list.
 * Composed with the product's modules, the config parses its variable, the schema has its query, the app
 * answers it over HTTP, and the generated tables list its entries; the product's own schema has none of it.
 */
const withHello = [...wardenModules, helloModule];

const HelloDocument = gql`
  query Hello($name: String!) {
    hello(name: $name)
  }
`;

describe('the config from the module list with hello added', () => {
  const base = { NODE_ENV: 'test' };

  test('HELLO_MAX_NAME_LENGTH is parsed with its default and its bounds', () => {
    expect(loadConfig(base, withHello).limits).toMatchObject({ helloMaxNameLength: 40 });
    expect(loadConfig({ ...base, HELLO_MAX_NAME_LENGTH: '12' }, withHello).limits).toMatchObject({ helloMaxNameLength: 12 });
  });

  test.each([
    ['0', 'HELLO_MAX_NAME_LENGTH: must be at least 1'],
    ['101', 'HELLO_MAX_NAME_LENGTH: must be at most 100'],
    ['ten', 'HELLO_MAX_NAME_LENGTH: must be a whole number between 1 and 100'],
  ])('HELLO_MAX_NAME_LENGTH=%s is refused at start, naming the variable', (value, problem) => {
    const load = () => loadConfig({ ...base, HELLO_MAX_NAME_LENGTH: value }, withHello);
    expect(load).toThrow(ConfigError);
    expect(() => load()).toThrow(problem);
  });

  test('the product list alone does not read HELLO_MAX_NAME_LENGTH (it is not a product variable)', () => {
    expect(loadConfig({ ...base, HELLO_MAX_NAME_LENGTH: '0' }).limits).not.toHaveProperty('helloMaxNameLength');
  });

  test('HELLO_GREETING (a setting: text, not a number) is parsed by the module into config.settings, with its default', () => {
    expect(loadConfig(base, withHello).settings).toMatchObject({ helloGreeting: 'Hello, {name}!' });
    expect(loadConfig({ ...base, HELLO_GREETING: ' Hi {name}, welcome! ' }, withHello).settings).toMatchObject({ helloGreeting: 'Hi {name}, welcome!' });
  });

  test.each([
    ['Hi there', 'HELLO_GREETING: must contain {name} once'],
    ['{name} and {name}', 'HELLO_GREETING: must contain {name} once'],
    [`{name}${'!'.repeat(60)}`, 'HELLO_GREETING: 66 characters, at most 60'],
  ])('HELLO_GREETING=%s is refused at start, naming the variable', (value, problem) => {
    expect(() => loadConfig({ ...base, HELLO_GREETING: value }, withHello)).toThrow(new ConfigError(problem));
  });

  test('a bad setting is one line among the others: every problem is named in the same run', () => {
    const load = () => loadConfig({ ...base, HELLO_GREETING: 'Hi', HELLO_MAX_NAME_LENGTH: '0', PORT: 'x' }, withHello);
    expect(load).toThrow(ConfigError);
    let problems: readonly string[] = [];
    try {
      load();
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect([...problems].sort()).toEqual(
      ['HELLO_GREETING: must contain {name} once', 'HELLO_MAX_NAME_LENGTH: must be at least 1', 'PORT: must be a whole number between 0 and 65535'].sort(),
    );
  });

  test('the product list alone does not read HELLO_GREETING', () => {
    expect(loadConfig({ ...base, HELLO_GREETING: 'Hi' }).settings).not.toHaveProperty('helloGreeting');
  });
});

describe('the generated tables from the module list with hello added', () => {
  test('the variable table of docs/configuration.md and .env.example have its variable, default, bounds and module', () => {
    expect(listVariables(withHello)).toContainEqual(expect.objectContaining({ env: 'HELLO_MAX_NAME_LENGTH', default: 40, min: 1, max: 100, module: 'hello' }));
    expect(variableTable(withHello)).toContain('| `HELLO_MAX_NAME_LENGTH` | `40` | 1 to 100 | hello |');
    expect(variableTable()).not.toContain('HELLO_');
    expect(envExample(withHello)).toMatch(/# ---- hello -+\n\n# longest name `hello` greets\. A whole number, 1 to 100\.\n# HELLO_MAX_NAME_LENGTH=40\n/);
    expect(envExample()).not.toContain('HELLO_');
  });

  test('the variable table and .env.example have its setting, with its default and module (no bounds: it is not a number)', () => {
    expect(listVariables(withHello)).toContainEqual(expect.objectContaining({ env: 'HELLO_GREETING', default: 'Hello, {name}!', module: 'hello' }));
    expect(variableTable(withHello)).toContain('| `HELLO_GREETING` | `Hello, {name}!` |  | hello | the greeting `hello` answers');
    expect(envExample(withHello)).toMatch(/\n# the greeting `hello` answers: [^\n]*\n(# [^\n]*\n)*# HELLO_GREETING="Hello, \{name\}!"\n/);
  });

  test('the error-code table of docs/api.md has its code', () => {
    expect(errorCodeDocTable(withHello)).toContain('| `NAME_NOT_GREETED` | hello | info |');
    expect(errorCodeDocTable()).not.toContain('NAME_NOT_GREETED');
  });

  test('hello is in neither product list (src/modules/index.ts, src/modules/declarations.ts): the defaults stay the product', () => {
    expect(wardenModules.map((m) => m.name)).not.toContain('hello');
    expect(moduleDeclarationList.map((d) => d.name)).not.toContain('hello');
  });
});

describe('the schema', () => {
  test('built from the list with hello added, it has the hello query', async () => {
    const schema = await buildWardenSchema(undefined, withHello);
    expect(
      schema
        .getQueryType()
        ?.getFields()
        .hello?.args.map((a) => a.name),
    ).toEqual(['name']);
    expect(printSchema(schema)).toMatch(/hello\(name: String!\): String!/);
  });

  test('the product schema (schema/schema.graphql, and the build without a list) has no hello: it is an example only', async () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).not.toMatch(/\bhello\b/);
    expect((await buildWardenSchema()).getQueryType()?.getFields().hello).toBeUndefined();
  });
});

describe('the app built from the list with hello added', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { HELLO_MAX_NAME_LENGTH: '10', HELLO_GREETING: 'Hi {name}, welcome!' }, modules: withHello });
  });
  afterAll(() => t.close());

  test('hello answers the HELLO_GREETING greeting over HTTP, records hello.greeted and mails the viewer a notice', async () => {
    const email = uniqueEmail('hello');
    const owner = await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    client.accessToken = owner.accessToken;
    const before = t.inbox.mailsTo(email).length;

    const answer = await client.query(HelloDocument, { name: 'Ada' });
    expect(answer).toEqual({ hello: 'Hi Ada, welcome!' });

    const rows = await t.app.dataSource.query(`SELECT event, outcome, user_id, data FROM ${t.table('audit_events')} WHERE event = 'hello.greeted'`);
    expect(rows).toEqual([{ event: 'hello.greeted', outcome: 'success', user_id: owner.user.id, data: { nameLength: 3 } }]);

    const mail = await t.inbox.waitForMail(email, before + 1);
    expect(mail.subject).toBe('Warden: you were greeted');
    expect(mail.text).toContain('Hi Ada, welcome!');
  });

  test('a name longer than HELLO_MAX_NAME_LENGTH (10 here) is refused with its declared code; nothing is recorded', async () => {
    const owner = await signUpAndVerify(t, t.client(), uniqueEmail('hello-long'));
    const client = t.client();
    client.accessToken = owner.accessToken;
    const error = await client.error(client.query(HelloDocument, { name: 'Bartholomew' }));
    expect(error).toMatchObject({ code: 'NAME_NOT_GREETED', message: 'That name is longer than this gateway greets.' });
    const [{ n }] = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('audit_events')} WHERE event = 'hello.greeted' AND user_id = $1`, [
      owner.user.id,
    ]);
    expect(n).toBe(0);
  });

  test('hello needs a viewer', async () => {
    const error = await t.client().error(t.client().query(HelloDocument, { name: 'Ada' }));
    expect(error.code).toBe('UNAUTHENTICATED');
  });
});
