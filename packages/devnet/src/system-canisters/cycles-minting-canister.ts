import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { methodNotFound } from '../reject.js';
import {
  decodeSystemArgs,
  type SystemCanister,
  type SystemCanisterCall,
  type SystemCanisterContext,
  type SystemCanisterOutcome,
} from './system-canister.js';

/** The cycles minting canister's mainnet id, where icp-cli and dfx look for it. */
export const CYCLES_MINTING_CANISTER_ID = Principal.fromText('rkp4c-7iaaa-aaaaa-aaaca-cai');

/**
 * The part of the CMC a tool asks before it creates a canister: which subnets take new
 * canisters. The devnet is one subnet, so it is the only default subnet.
 */
export class CyclesMintingCanister implements SystemCanister {
  readonly id = CYCLES_MINTING_CANISTER_ID;

  constructor(private readonly subnetId: Principal) {}

  isQuery(method: string): boolean {
    return method === 'get_default_subnets';
  }

  async handle(call: SystemCanisterCall, _ctx: SystemCanisterContext): Promise<SystemCanisterOutcome> {
    if (call.method !== 'get_default_subnets') {
      // This CMC has one method.
      return { kind: 'reject', reject: methodNotFound(this.id.toText(), call.mode, call.method) };
    }
    const decoded = decodeSystemArgs(this.id, [], call.arg);
    if (!Array.isArray(decoded)) return { kind: 'reject', reject: decoded };
    return {
      kind: 'reply',
      reply: new Uint8Array(IDL.encode([IDL.Vec(IDL.Principal)], [[this.subnetId]])),
      cyclesAccepted: 0n,
    };
  }
}
