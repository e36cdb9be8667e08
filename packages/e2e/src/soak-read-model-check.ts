// The read model against the fold of the event log (the source of truth), enrollment by enrollment and per batch.
import { type EnrollmentState } from '@verified-onboard/events';
import { CHECK_NAMES, listSome, statusCounts, type Folded, type SoakCheck } from './soak-check-support.js';

/** JSON with sorted keys, so two states compare by content. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

export function differingFields(a: EnrollmentState, b: EnrollmentState): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter(
      (k) =>
        canonical((a as unknown as Record<string, unknown>)[k]) !==
        canonical((b as unknown as Record<string, unknown>)[k]),
    )
    .sort();
}

/** (4) The read model (active keyspace) holds, for every enrollment, exactly the fold of its events; the batch counts the api serves agree. */
export function checkReadModel(
  folded: Map<string, Folded>,
  readModel: Map<string, EnrollmentState | null>,
  batch: { total: number; byStatus: Record<string, number> },
): SoakCheck {
  const problems: string[] = [];
  let equal = 0;
  for (const [id, { state }] of folded) {
    if (!state) continue;
    const projected = readModel.get(id);
    if (!projected) problems.push(`${id}: missing from the read model`);
    else if (canonical(projected) !== canonical(state)) {
      const fields = differingFields(projected, state);
      const show = (state: EnrollmentState, k: string) =>
        canonical((state as unknown as Record<string, unknown>)[k]).slice(0, 80);
      problems.push(
        `${id}: differs in ${fields.join(', ')} (${fields.map((k) => `${k}: read model ${show(projected, k)}, fold ${show(state, k)}`).join('; ')})`,
      );
    } else equal++;
  }
  const counts = statusCounts(folded);
  const mismatched = Object.keys({ ...counts, ...batch.byStatus })
    .filter((s) => s !== 'unfoldable' && (batch.byStatus[s] ?? 0) !== (counts[s] ?? 0))
    .map((s) => `${s}: api ${batch.byStatus[s] ?? 0}, log ${counts[s] ?? 0}`);
  if (batch.total !== folded.size) mismatched.push(`total: api ${batch.total}, log ${folded.size}`);
  if (mismatched.length) problems.push(`batch counts differ (${mismatched.join('; ')})`);
  return {
    name: CHECK_NAMES.readModel,
    pass: problems.length === 0,
    detail:
      `${equal}/${folded.size} states equal` +
      (problems.length ? `; ${listSome(problems)}` : '; batch counts agree'),
  };
}
