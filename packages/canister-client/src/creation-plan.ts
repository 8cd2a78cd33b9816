import { randomBytes } from 'node:crypto';
import { Principal } from '@dfinity/principal';

/**
 * What makes a canister creation repeatable: decided (and journaled) before the create call,
 * so a retry after a crash finds the canister the first attempt created instead of making a
 * second one. On development networks the canister id itself is chosen first (provisional
 * creation takes `specified_id`); on mainnet the cycles ledger deduplicates requests with the
 * same `created_at_time` (for 24 hours) and answers the retry with the first canister.
 */
export type CreationPlan =
  { kind: 'specified-id'; canisterId: string } | { kind: 'ledger-deduplication'; createdAtTimeNanos: string };

/**
 * A fresh id for a development network: a random 8-byte index with its top bit set, followed
 * by 0x01 0x01 like every canister id. Local networks allocate their own ids far below 2^63
 * (the devnet picks a random block between 2^44 and 2^63), and the IC's system canisters sit
 * at the lowest indices, so a chosen id collides with neither.
 */
export function randomDevelopmentCanisterId(): Principal {
  const bytes = new Uint8Array(10);
  bytes.set(randomBytes(8));
  bytes[0]! |= 0x80;
  bytes[8] = 1;
  bytes[9] = 1;
  return Principal.fromUint8Array(bytes);
}

export function isCreationPlan(value: unknown): value is CreationPlan {
  if (typeof value !== 'object' || value === null) return false;
  const plan = value as Record<string, unknown>;
  return (
    (plan.kind === 'specified-id' && typeof plan.canisterId === 'string') ||
    (plan.kind === 'ledger-deduplication' && typeof plan.createdAtTimeNanos === 'string')
  );
}
