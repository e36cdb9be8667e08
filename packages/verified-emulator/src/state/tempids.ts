/** Verified keeps captured data behind a TempId for at most 72 hours (SEED-2, D-SELFIE-ENROLL). */
export const TEMP_ID_TTL_MS = 72 * 60 * 60 * 1000;

export interface TempIdRecord {
  operationId: string;
  createdAt: number;
}

export type TempIdLookup = { ok: true; record: TempIdRecord } | { ok: false; reason: 'unknown' | 'expired' };

export class TempIdStore {
  private readonly records = new Map<string, TempIdRecord>();

  add(tempId: string, operationId: string, now: number): void {
    this.records.set(tempId, { operationId, createdAt: now });
  }

  lookup(tempId: string, now: number): TempIdLookup {
    const record = this.records.get(tempId);
    if (!record) return { ok: false, reason: 'unknown' };
    if (now - record.createdAt >= TEMP_ID_TTL_MS) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  clear(): void {
    this.records.clear();
  }
}
