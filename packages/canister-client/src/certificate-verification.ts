import { Certificate } from '@dfinity/agent';
import { ensureBls, verifyBlsSignature } from '@soulrecall/bls';

/**
 * The BLS check of every certificate soulrecall accepts: @soulrecall/bls (mcl in WebAssembly)
 * instead of @dfinity/agent's default, @noble/curves in JavaScript (same answers, ~6× faster).
 * Given as `blsVerify` wherever the agent takes one (Certificate.create, pollForResponse).
 */
export const blsVerify = verifyBlsSignature;

let agentDefaultReplaced = false;

/**
 * @dfinity/agent 3.4.3 also checks certificates where it takes no verifier: HttpAgent's
 * `fetchSubnetKeys` (the node keys that query signatures are checked against) and `syncTime`,
 * both through CanisterStatus.request → Certificate.create(options), which falls back to
 * @noble/curves when `options.blsVerify` is absent (a delegation's certificate is checked with the
 * verifier of the certificate that carries it). Wrapping that one public static method makes the
 * fallback ours: only the pairing check changes; the agent's delegation, canister range, time and
 * tree checks run as before. Idempotent.
 *
 * mcl's initialisation (≈ 0.1 s: compiling its WebAssembly) starts here, in the background, so it
 * overlaps the first request; every check awaits it (`verifyBlsSignature`), and one that fails to
 * initialise fails the certificate.
 */
export function useWasmBlsInAgent(): void {
  ensureBls().catch(() => {
    // Reported by the first certificate check, which retries the initialisation.
  });
  if (agentDefaultReplaced) return;
  const create = Certificate.create.bind(Certificate);
  Certificate.create = (options) => create({ ...options, blsVerify: options.blsVerify ?? blsVerify });
  agentDefaultReplaced = true;
}
