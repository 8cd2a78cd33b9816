import fs from 'node:fs';
import path from 'node:path';
import type { Principal } from '@dfinity/principal';
import { toHex } from '../bytes.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { decodeStateJson, encodeStateJson } from '../state/json-codec.js';

/** An ICRC-1 account: an owner and an optional 32-byte subaccount (absent = all zeros). */
export interface Account {
  owner: Principal;
  subaccount: [] | [Uint8Array];
}

export interface StoredAllowance {
  from: Account;
  spender: Account;
  allowance: bigint;
  expiresAt?: bigint;
}

/** A transaction seen with a `created_at_time`, remembered so a repeat is answered as a duplicate. */
export interface SeenTransaction {
  block: bigint;
  atNanos: bigint;
  /** For create_canister: the canister the first request created. */
  canisterId?: Principal;
}

interface StoredBook {
  balances: Array<{ account: Account; balance: bigint }>;
  allowances: StoredAllowance[];
  nextBlock: bigint;
  seen: Array<{ key: string } & SeenTransaction>;
}

export const LEDGER_FILE = 'cycles-ledger.json';

const ZERO_SUBACCOUNT = new Uint8Array(32);

/** One key per account: the default subaccount and an all-zero one are the same account. */
export function accountKey(account: Account): string {
  const sub = account.subaccount[0];
  const isDefault = !sub || sub.every((byte, index) => byte === ZERO_SUBACCOUNT[index]);
  return isDefault ? account.owner.toText() : `${account.owner.toText()}.${toHex(sub)}`;
}

export const defaultAccount = (owner: Principal): Account => ({ owner, subaccount: [] });

/**
 * The cycles ledger's balances, allowances, block count and deduplication memory, kept in
 * `cycles-ledger.json` in the network's state directory. `save()` writes it durably (temp file,
 * fsync, rename): the ledger saves before it replies, as a replica commits before it certifies.
 */
export class LedgerBook {
  private readonly balances = new Map<string, { account: Account; balance: bigint }>();
  private readonly allowances = new Map<string, StoredAllowance>();
  private readonly seen = new Map<string, SeenTransaction>();
  private nextBlock = 0n;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, LEDGER_FILE);
    if (!fs.existsSync(this.file)) return;
    const stored = decodeStateJson<StoredBook>(fs.readFileSync(this.file, 'utf8'));
    for (const entry of stored.balances) this.balances.set(accountKey(entry.account), entry);
    for (const entry of stored.allowances) this.allowances.set(allowanceKey(entry.from, entry.spender), entry);
    for (const { key, ...transaction } of stored.seen) this.seen.set(key, transaction);
    this.nextBlock = stored.nextBlock;
  }

  balanceOf(account: Account): bigint {
    return this.balances.get(accountKey(account))?.balance ?? 0n;
  }

  totalSupply(): bigint {
    let total = 0n;
    for (const { balance } of this.balances.values()) total += balance;
    return total;
  }

  /** Adds (or, with a negative amount, takes) cycles; callers check balances first. */
  adjust(account: Account, amount: bigint): void {
    const balance = this.balanceOf(account) + amount;
    if (balance < 0n) throw new Error(`ledger invariant: ${accountKey(account)} would go below zero`);
    if (balance === 0n) this.balances.delete(accountKey(account));
    else this.balances.set(accountKey(account), { account, balance });
  }

  /** The allowance `spender` has on `from` at `nowNanos` (an expired one is none). */
  allowance(from: Account, spender: Account, nowNanos: bigint): { allowance: bigint; expiresAt?: bigint } {
    const entry = this.allowances.get(allowanceKey(from, spender));
    if (!entry || (entry.expiresAt !== undefined && entry.expiresAt <= nowNanos)) return { allowance: 0n };
    return { allowance: entry.allowance, expiresAt: entry.expiresAt };
  }

  setAllowance(from: Account, spender: Account, allowance: bigint, expiresAt?: bigint): void {
    const key = allowanceKey(from, spender);
    if (allowance === 0n) this.allowances.delete(key);
    else this.allowances.set(key, { from, spender, allowance, expiresAt });
  }

  /** The index of a new block (every balance change is one block, as on the real ledger). */
  appendBlock(): bigint {
    return this.nextBlock++;
  }

  seenTransaction(key: string): SeenTransaction | undefined {
    return this.seen.get(key);
  }

  /** Remembers a transaction with a `created_at_time`; ones older than `forgetBeforeNanos` are dropped. */
  rememberTransaction(key: string, transaction: SeenTransaction, forgetBeforeNanos: bigint): void {
    for (const [known, entry] of this.seen) if (entry.atNanos < forgetBeforeNanos) this.seen.delete(known);
    this.seen.set(key, transaction);
  }

  save(): void {
    const stored: StoredBook = {
      balances: [...this.balances.values()],
      allowances: [...this.allowances.values()],
      nextBlock: this.nextBlock,
      seen: [...this.seen].map(([key, transaction]) => ({ key, ...transaction })),
    };
    writeFileAtomic(this.file, encodeStateJson(stored));
  }
}

const allowanceKey = (from: Account, spender: Account) => `${accountKey(from)}>${accountKey(spender)}`;
