import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import type { ManagementContext } from '../management/management-context.js';
import { ErrorCodes, makeReject, type Reject } from '../reject.js';

/**
 * Canisters the devnet implements natively at their mainnet ids (the cycles ledger, the cycles
 * minting canister): tools that work against mainnet (icp-cli, soulrecall's mainnet path) find
 * them where they expect them. They are reached like any canister, from a user (ingress) or
 * from a canister (an inter-canister call, with cycles attached).
 */
export interface SystemCanisterCall {
  caller: Principal;
  method: string;
  arg: Uint8Array;
  /** Cycles the calling canister attached; 0 for ingress. */
  cycles: bigint;
  /** `query`: a query or non-replicated call, which must change nothing. */
  mode: 'update' | 'query';
}

/**
 * A reply keeps the cycles it accepted (the rest go back to the calling canister); a reject
 * accepts none.
 */
export type SystemCanisterOutcome =
  { kind: 'reply'; reply: Uint8Array; cyclesAccepted: bigint } | { kind: 'reject'; reject: Reject };

/** What a system canister works with: the network's canisters and their management, at one time. */
export type SystemCanisterContext = Omit<ManagementContext, 'caller'>;

export interface SystemCanister {
  readonly id: Principal;
  /** Whether `method` is a query method (callable through /query and as a non-replicated call). */
  isQuery(method: string): boolean;
  /** Handles one message. Its state changes are durable before it returns a reply. */
  handle(call: SystemCanisterCall, ctx: SystemCanisterContext): Promise<SystemCanisterOutcome>;
}

/** The system canisters of one network, by id. */
export class SystemCanisters {
  private readonly byId = new Map<string, SystemCanister>();

  constructor(canisters: readonly SystemCanister[] = []) {
    for (const canister of canisters) this.byId.set(canister.id.toText(), canister);
  }

  get(id: Principal): SystemCanister | undefined {
    return this.byId.get(id.toText());
  }
}

/** A system canister's trap, worded as the replica words a canister's (IC0503). */
export function systemCanisterTrap(id: Principal, message: string): Reject {
  return makeReject(
    ErrorCodes.CanisterCalledTrap,
    `Error from Canister ${id.toText()}: Canister called \`ic0.trap\` with message: '${message}'.`,
  );
}

/** Decodes a system canister's arguments; an undecodable argument traps, as in a Rust canister. */
export function decodeSystemArgs(id: Principal, types: IDL.Type[], arg: Uint8Array): unknown[] | Reject {
  try {
    return IDL.decode(types, arg);
  } catch (error) {
    return systemCanisterTrap(id, `failed to decode call arguments: ${(error as Error).message}`);
  }
}
