import type { Principal } from '@dfinity/principal';
import type { ExecutionEngine } from '../execution/types.js';
import type { NetworkIdentity } from '../message-context.js';
import { ErrorCodes, RejectError } from '../reject.js';
import { isController, isVisibleTo, type CanisterRecord, type Visibility } from '../state/canister-record.js';
import type { CanisterStore } from '../state/canister-store.js';

/** What a management method handler works with. */
export interface ManagementContext {
  store: CanisterStore;
  engine: ExecutionEngine;
  network: NetworkIdentity;
  caller: Principal;
  timeNanos: bigint;
  /** Cycles a calling canister attached to the call (0 or absent for ingress). */
  cycles?: bigint;
}

/** Requires the caller to control the canister (the replica's IC0512 otherwise). */
export function requireController(ctx: ManagementContext, record: CanisterRecord): void {
  if (isController(record, ctx.caller)) return;
  throw new RejectError(
    ErrorCodes.CanisterInvalidController,
    `Only the controllers of the canister ${record.id.toText()} can control it.\n` +
      `Canister's controllers: ${record.controllers.map((c) => c.toText()).join(' ')}\n` +
      `Sender's ID: ${ctx.caller.toText()}`,
  );
}

/** Controllers or the canister itself (canister_status, chunk store methods). */
export function requireControllerOrSelf(ctx: ManagementContext, record: CanisterRecord): void {
  if (record.id.compareTo(ctx.caller) === 'eq') return;
  requireController(ctx, record);
}

/**
 * Controllers or whoever a visibility setting names (status_visibility for canister_status,
 * snapshot_visibility for listing and reading snapshots); anyone else gets the controllers' reject.
 */
export function requireViewer(ctx: ManagementContext, record: CanisterRecord, visibility: Visibility): void {
  if (isVisibleTo(record, visibility, ctx.caller)) return;
  requireController(ctx, record);
}
