import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Names of the fields asked for directly under the field being resolved, through fragments and inline
 * fragments. @skip/@include are ignored (a field that might be skipped counts as asked: safe side).
 */
export function requestedFields(info: GraphQLResolveInfo): string[] {
  const names: string[] = [];
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === 'Field') names.push(selection.name.value);
      else if (selection.kind === 'InlineFragment') visit(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        visit(info.fragments[selection.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, new Set());
  return names;
}
