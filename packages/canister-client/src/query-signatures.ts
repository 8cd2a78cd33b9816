import { ed25519 } from '@noble/curves/ed25519';

let tableSized = false;

/**
 * @dfinity/agent checks the node signature on every query reply with @noble/curves' Ed25519
 * (it takes no other verifier, and soulrecall keeps the check). The first check builds noble's
 * table of multiples of the base point, at window 8 by default: about 4,200 point additions,
 * ≈ 80 ms of a CLI process that checks a handful of signatures (bench/promote). At window 4 the
 * table takes ≈ 10 ms and each check ≈ 0.6 ms more: the same arithmetic and the same answers,
 * only a smaller table. The agent's copy of noble is this one (a test checks that npm resolves
 * both to one file), so this sets the table the agent uses. Idempotent.
 */
export function useSmallEd25519Table(): void {
  if (tableSized) return;
  ed25519.ExtendedPoint.BASE.precompute(4);
  tableSized = true;
}
