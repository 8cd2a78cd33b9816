import type { Principal } from '@dfinity/principal';
import { makeReject, type Reject } from './reject.js';

export type ExecutionResult = { kind: 'reply'; reply: Uint8Array } | { kind: 'reject'; reject: Reject };

/** Whoever waits for a call's response: the ingress sender, or the calling canister (its callback runs). */
export type Responder = (result: ExecutionResult, refundedCycles: bigint) => void;

/** The replica's reject of a call context that closed without a response (IC0506). */
export function didNotReply(canister: Principal): Reject {
  return makeReject(506, `Error from Canister ${canister.toText()}: Canister did not reply to the call.`);
}

/**
 * A call context (interface spec, "Call contexts"): the state of one incoming call to a canister
 * across the messages it causes (the call itself, then each callback of the calls it made). It
 * responds once; the cycles it was given and did not accept go back with the response.
 */
export class CallContext {
  outstandingCalls = 0;
  private respondedAlready = false;
  private closedAlready = false;

  constructor(
    readonly canister: Principal,
    /** ic0.msg_caller of every message of the context. */
    readonly caller: Principal,
    public cyclesAvailable: bigint,
    /** Deadline of a bounded-wait incoming call (ic0.msg_deadline), else 0. */
    readonly deadlineNanos: bigint,
    private readonly responder: Responder,
  ) {}

  get responded(): boolean {
    return this.respondedAlready;
  }

  respond(result: ExecutionResult): void {
    if (this.respondedAlready) return;
    this.respondedAlready = true;
    const refund = this.cyclesAvailable;
    this.cyclesAvailable = 0n;
    this.responder(result, refund);
  }

  /**
   * Once no call is outstanding the context is done: a context that never responded is rejected
   * (`fallback`: the trap that ended its last message, else "did not reply"). True the first time.
   */
  closeIfDone(fallback?: Reject): boolean {
    if (this.outstandingCalls > 0 || this.closedAlready) return false;
    this.respond({ kind: 'reject', reject: fallback ?? didNotReply(this.canister) });
    this.closedAlready = true;
    return true;
  }
}

/** How many call contexts each canister has open, so stop_canister can wait until none is. */
export class OpenCallContexts {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Map<string, Array<() => void>>();

  opened(canister: Principal): void {
    const key = canister.toText();
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  closed(canister: Principal): void {
    const key = canister.toText();
    const left = (this.counts.get(key) ?? 1) - 1;
    if (left > 0) {
      this.counts.set(key, left);
      return;
    }
    this.counts.delete(key);
    const waiting = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    for (const wake of waiting) wake();
  }

  count(canister: Principal): number {
    return this.counts.get(canister.toText()) ?? 0;
  }

  /** Resolves once the canister has no open call context. */
  whenNoneOpen(canister: Principal): Promise<void> {
    const key = canister.toText();
    if (!this.counts.has(key)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]));
  }
}
