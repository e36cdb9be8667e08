import { randomBytes } from 'node:crypto';

/** UI sessions of the fake capture page: a OneTimeSecret is exchanged once for a session (§9 #10). */
export class CaptureSessionStore {
  private readonly sessions = new Map<string, string>();

  open(operationId: string): string {
    const sessionId = randomBytes(24).toString('base64url');
    this.sessions.set(sessionId, operationId);
    return sessionId;
  }

  /** The session's operation id; the session ends with the decision it carries. */
  take(sessionId: string): string | undefined {
    const operationId = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    return operationId;
  }

  clear(): void {
    this.sessions.clear();
  }
}
