import type { ApiClient } from '../api-client.js';
import { ExitCode } from '../errors.js';
import { table, type Io } from '../output.js';

/** `status <id>`: one enrollment as the read model has it. */
export async function status(api: ApiClient, io: Io, id: string, json: boolean): Promise<number> {
  const enrollment = await api.get<Record<string, unknown>>(`/v1/enrollments/${encodeURIComponent(id)}`);
  if (json) io.out(JSON.stringify(enrollment));
  else
    io.out(
      table(
        Object.entries(enrollment).map(([field, value]) => ({ field, value })),
        ['field', 'value'],
      ),
    );
  return ExitCode.ok;
}

/** `batch <id>`: counts per status. */
export async function batch(api: ApiClient, io: Io, id: string, json: boolean): Promise<number> {
  const view = await api.get<{ batchId: string; total: number; byStatus: Record<string, number> }>(
    `/v1/batches/${encodeURIComponent(id)}`,
  );
  if (json) io.out(JSON.stringify(view));
  else {
    io.out(`batch ${view.batchId}: ${view.total} enrollments`);
    io.out(
      table(
        Object.entries(view.byStatus).map(([s, count]) => ({ status: s, count })),
        ['status', 'count'],
      ),
    );
  }
  return ExitCode.ok;
}
