import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';
import { requestedFields } from './selection';

const schema = buildSchema(`
  type User { id: ID! email: String name: String sessions: [String!]! }
  type Query { viewer: User }
`);

function fieldsAsked(document: string): string[] {
  let seen: string[] = [];
  void execute({
    schema,
    document: parse(document),
    rootValue: {
      viewer: (_args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => {
        seen = requestedFields(info);
        return { id: '1' };
      },
    },
  });
  return [...new Set(seen)].sort();
}

describe('requestedFields', () => {
  test('plain fields', () => {
    expect(fieldsAsked('{ viewer { id } }')).toEqual(['id']);
    expect(fieldsAsked('{ viewer { id email __typename } }')).toEqual(['__typename', 'email', 'id']);
  });

  test('through fragments, nested fragments and inline fragments', () => {
    expect(fieldsAsked('{ viewer { ...A } } fragment A on User { id ...B } fragment B on User { name }')).toEqual(['id', 'name']);
    expect(fieldsAsked('{ viewer { ... on User { email } id } }')).toEqual(['email', 'id']);
  });

  test('a field under @skip still counts as asked (safe side: the row is loaded)', () => {
    expect(fieldsAsked('{ viewer { id email @skip(if: true) } }')).toEqual(['email', 'id']);
  });

  // Such documents fail validation (NoFragmentCyclesRule), but requestedFields must not rely on that: `execute`
  // runs unvalidated documents, and without its own guard the walk recurses until the stack overflows.
  test('a fragment that spreads itself does not loop', () => {
    expect(fieldsAsked('{ viewer { ...A } } fragment A on User { id ...A }')).toEqual(['id']);
  });

  test('two fragments that spread each other do not loop', () => {
    expect(fieldsAsked('{ viewer { ...A } } fragment A on User { id ...B } fragment B on User { email ...A }')).toEqual(['email', 'id']);
  });
});
