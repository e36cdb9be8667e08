/** The emulator's control API (docs/emulator.md), called over HTTP as any other process would. */
export interface EmulatorStatsView {
  calls: Record<string, number>;
  accounts: number;
  credentials: number;
  duplicateCreates: { account: number; credential: number };
  webhooks: { sent: number; dropped: number; failed: number };
}

export interface AccountViewRow {
  accountNumber: string;
  createAttempts: number;
  credentials: number;
  credentialCreates: number;
  credentialKind: 'proofed' | 'biometric' | null;
}

export function emulatorControl(baseUrl: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(
      `${baseUrl}/_emulator${path}`,
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    reset: () => call<unknown>('POST', '/reset', {}),
    scenario: (patch: Record<string, unknown>) => call<Record<string, unknown>>('PUT', '/scenario', patch),
    stats: () => call<EmulatorStatsView>('GET', '/stats'),
    accounts: async () => (await call<{ accounts: AccountViewRow[] }>('GET', '/accounts')).accounts,
    advanceClock: (advanceMs: number) => call<unknown>('POST', '/clock', { advanceMs }),
    complete: (operationId: string, status: number, message?: string) =>
      call<unknown>('POST', `/operations/${encodeURIComponent(operationId)}/complete`, {
        Status: status,
        ...(message && { Message: message }),
      }),
    operation: (operationId: string) =>
      call<Record<string, unknown>>('GET', `/operations/${encodeURIComponent(operationId)}`),
  };
}
