import type { Principal } from '@dfinity/principal';
import type { MessageContext } from './execution/types.js';
import type { CanisterRecord } from './state/canister-record.js';

/** What every message may learn about the network it runs on (ic0.subnet_self_*, ic0.root_key_*). */
export interface NetworkIdentity {
  subnetId: Principal;
  rootKeyDer: Uint8Array;
}

/** What the System API of a message may see about the canister it runs on. */
export function messageContext(
  network: NetworkIdentity,
  record: CanisterRecord,
  caller: Principal,
  timeNanos: bigint,
  dataCertificate?: Uint8Array,
): MessageContext {
  return {
    caller: caller.toUint8Array(),
    timeNanos,
    cyclesBalance: record.cycles,
    status: record.status,
    controllers: record.controllers.map((controller) => controller.toUint8Array()),
    dataCertificate,
    subnetId: network.subnetId.toUint8Array(),
    rootKey: network.rootKeyDer,
  };
}
