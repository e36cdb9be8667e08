/**
 * The keys of one read-model keyspace (`prefix`, e.g. `vo:` or a rebuild's `vo:rb-<id>:`). Every key carries
 * the keyspace's hash tag `{<prefix>rm}`: the apply script writes an enrollment's record, its batch counts and
 * the failed index in one call, which Redis Cluster allows only within one hash slot. A keyspace so lives on
 * one Cluster node (docs/architecture.md, Redis Cluster).
 */
export function readModelKeys(prefix: string) {
  const base = `${prefix}rm:{${prefix}rm}:`;
  return {
    record: (enrollmentId: string) => `${base}${enrollmentId}`,
    batch: (batchId: string) => `${base}batch:${batchId}`,
    failed: `${base}failed`,
    failedMeta: `${base}failed-meta`,
  };
}

/**
 * The keyspace pointers under a base prefix (which keyspace readers use, which one a rebuild fills): read
 * together with one MGET, so both carry one hash tag.
 */
export function keyspacePointerKeys(basePrefix: string) {
  const base = `${basePrefix}rm-pointer:{${basePrefix}rm-pointers}:`;
  return { active: `${base}active`, target: `${base}target` };
}
