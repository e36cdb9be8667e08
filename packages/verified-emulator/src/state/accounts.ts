/** Account model returned by the Administration Service (older Ipsidy model plus the current extra fields, §3.5). */
export interface AccountBody {
  AccountNumber: string;
  UIN: number;
  Version: number;
  DisplayName: string;
  CustomDisplayName: string | null;
  Description: string | null;
  Currency: string | null;
  External: boolean;
  Rules: number;
  Enabled: boolean;
  Custom: boolean;
  DisableReason: string | null;
  Email: string | null;
  PhoneNumber: string | null;
  EmailVerified: boolean;
  PhoneNumberVerified: boolean;
  DeletedDate: string | null;
}

export interface CredentialBody {
  Id: string;
  ExternalId: string | null;
  Description: string | null;
  CredentialType: number;
  DataType: number;
  /** Never echoed back: the emulator does not keep biometric bytes, only their length. */
  Data: null;
  IsProofed: boolean;
  SourceCredentials: unknown[];
  CreatedDate: string;
  DeletedDate: string | null;
}

export type CredentialKind = 'proofed' | 'biometric';

export interface AccountRecord {
  account: AccountBody;
  createAttempts: number;
  credentialCreates: number;
  credential: { kind: CredentialKind; body: CredentialBody } | null;
}

/** Accounts by AccountNumber. Counters live on the record, so a delete also forgets them. */
export class AccountStore {
  private readonly records = new Map<string, AccountRecord>();
  private nextUin = 1;
  private credentialCount = 0;
  duplicateAccountCreates = 0;
  duplicateCredentialCreates = 0;

  get(accountNumber: string): AccountRecord | undefined {
    return this.records.get(accountNumber);
  }

  create(account: Omit<AccountBody, 'UIN'>): AccountRecord {
    const record: AccountRecord = {
      account: { ...account, UIN: this.nextUin++ },
      createAttempts: 1,
      credentialCreates: 0,
      credential: null,
    };
    this.records.set(account.AccountNumber, record);
    return record;
  }

  delete(accountNumber: string): boolean {
    const record = this.records.get(accountNumber);
    if (!record) return false;
    if (record.credential) this.credentialCount -= 1;
    this.records.delete(accountNumber);
    return true;
  }

  attachCredential(record: AccountRecord, kind: CredentialKind, body: CredentialBody): void {
    if (!record.credential) this.credentialCount += 1;
    record.credential = { kind, body };
  }

  detachCredential(record: AccountRecord): boolean {
    if (!record.credential) return false;
    record.credential = null;
    this.credentialCount -= 1;
    return true;
  }

  get size(): number {
    return this.records.size;
  }

  get credentials(): number {
    return this.credentialCount;
  }

  all(): IterableIterator<AccountRecord> {
    return this.records.values();
  }

  clear(): void {
    this.records.clear();
    this.nextUin = 1;
    this.credentialCount = 0;
    this.duplicateAccountCreates = 0;
    this.duplicateCredentialCreates = 0;
  }
}
