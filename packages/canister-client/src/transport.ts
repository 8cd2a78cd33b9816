import type { Principal } from '@dfinity/principal';

/**
 * The three things this package asks of a network. The real implementation is
 * `HttpAgentTransport` (@dfinity/agent with verification on); unit tests inject recorded
 * replies through their own implementation. Every method throws `CanisterClientError`.
 */
export interface IcTransport {
  /** The principal that signs requests, so callers can record who did what. */
  readonly principal: Principal;
  /** An update call; resolves to the reply's Candid bytes once it is certified. */
  update(request: CallRequest): Promise<Uint8Array>;
  /** A query call (signature-verified); resolves to the reply's Candid bytes. */
  query(request: CallRequest): Promise<Uint8Array>;
  /**
   * A certified read of state-tree paths under `canisterId`'s subnet. Resolves to one entry
   * per path: the leaf's bytes, or `undefined` when the certificate proves it absent.
   */
  readState(canisterId: Principal, paths: Uint8Array[][]): Promise<Array<Uint8Array | undefined>>;
  /**
   * One status request (/api/v2/status) answered with an IC root key: proof that the network
   * answers now. Connecting to mainnet makes no request (its root key is built in), so this is
   * the only way to know it is reachable.
   */
  ping(): Promise<void>;
}

export interface CallRequest {
  canisterId: Principal;
  method: string;
  arg: Uint8Array;
  /** Needed for the management canister (`aaaaa-aa`): the canister the call is about. */
  effectiveCanisterId?: Principal;
}
