import type { Principal } from '@dfinity/principal';
import { leb128, toHex, utf8 } from '../bytes.js';
import type { TreeLeaf } from '../crypto/hash-tree.js';
import type { ExecutionResult } from '../subnet.js';

/** How long the outcome of a call stays readable through read_state (a replica keeps it ~5 minutes). */
const RETENTION_MS = 5 * 60 * 1000;

interface Entry {
  sender: Principal;
  result?: ExecutionResult;
  done: Promise<ExecutionResult>;
  expiresAt: number;
}

/** The ingress history: the status of each call by request id, for synchronous replies and polling. */
export class RequestStatusStore {
  private readonly entries = new Map<string, Entry>();

  /** Registers a call and its execution; a request id seen before keeps its first execution. */
  track(requestId: Uint8Array, sender: Principal, execution: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    this.prune();
    const key = toHex(requestId);
    const known = this.entries.get(key);
    if (known) return known.done;
    const entry: Entry = { sender, expiresAt: Date.now() + RETENTION_MS, done: Promise.resolve(undefined as never) };
    entry.done = execution().then((result) => {
      entry.result = result;
      entry.expiresAt = Date.now() + RETENTION_MS;
      return result;
    });
    this.entries.set(key, entry);
    return entry.done;
  }

  senderOf(requestId: Uint8Array): Principal | undefined {
    return this.entries.get(toHex(requestId))?.sender;
  }

  /** Certificate leaves for `/request_status/<rid>`: `processing` until done, then the reply or reject. */
  leaves(requestId: Uint8Array): TreeLeaf[] {
    const entry = this.entries.get(toHex(requestId));
    if (!entry) return [];
    const base = ['request_status', requestId];
    const result = entry.result;
    if (!result) return [{ path: [...base, 'status'], value: utf8('processing') }];
    if (result.kind === 'reply') {
      return [
        { path: [...base, 'status'], value: utf8('replied') },
        { path: [...base, 'reply'], value: result.reply },
      ];
    }
    return [
      { path: [...base, 'status'], value: utf8('rejected') },
      { path: [...base, 'reject_code'], value: leb128(result.reject.rejectCode) },
      { path: [...base, 'reject_message'], value: utf8(result.reject.rejectMessage) },
      { path: [...base, 'error_code'], value: utf8(result.reject.errorCode) },
    ];
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.result && entry.expiresAt < now) this.entries.delete(key);
  }
}
