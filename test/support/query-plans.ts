/** A node of a plan as `EXPLAIN (FORMAT JSON)` gives it (the fields the tests read). */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

/** How a plan reads its tables: the indexes it goes through, and its scans of whole tables. */
export function accessPaths(node: PlanNode): string[] {
  const own =
    node['Index Name'] ??
    (node['Node Type'] === 'Seq Scan' ? `Seq Scan on ${node['Relation Name']}` : undefined);
  return [...(own === undefined ? [] : [own]), ...(node.Plans ?? []).flatMap(accessPaths)];
}
