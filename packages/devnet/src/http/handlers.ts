import * as cbor from '@dfinity/cbor';
import crypto from 'node:crypto';
import { hashOfMap } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { concatBytes, nowNanos, utf8 } from '../bytes.js';
import type { Certifier } from '../crypto/certifier.js';
import type { NetworkKeys } from '../crypto/network-keys.js';
import { decodeManagementArg, ingressMayCall, managementTarget } from '../management/management-canister.js';
import { ErrorCodes, makeReject, RejectError, type Reject } from '../reject.js';
import type { ExecutionResult, Subnet } from '../subnet.js';
import { isManagementCanister, validateEnvelope, type IngressRequest } from './envelope.js';
import { HttpError } from './http-error.js';
import { readStateLeaves, readSubnetStateLeaves } from './read-state.js';
import { RequestStatusStore } from './request-status.js';

/** Ingress messages are limited to 2 MiB like on an application subnet. */
export const MAX_INGRESS_BYTES = 2 * 1024 * 1024;
/** After this long a synchronous call (v3, v4) answers 202 and the agent polls read_state. */
const SYNC_CALL_WAIT_MS = 10_000;
const RESPONSE_SEPARATOR = new Uint8Array([0x0b, ...utf8('ic-response')]);

export interface HttpReply {
  status: number;
  body?: Uint8Array | string;
  /** Default: CBOR for bytes, plain text for strings. */
  contentType?: string;
}

const cborReply = (value: unknown): HttpReply => ({ status: 200, body: cbor.encodeWithSelfDescribedTag(value) });

/** The protocol endpoints, independent of the HTTP server that carries them. */
export class ProtocolHandlers {
  readonly requestStatus = new RequestStatusStore();

  constructor(
    private readonly keys: NetworkKeys,
    private readonly certifier: Certifier,
    private readonly subnet: Subnet,
  ) {}

  status(): HttpReply {
    return cborReply({
      ic_api_version: '0.18.0',
      impl_version: 'soulrecall-devnet',
      root_key: this.keys.rootKeyDer,
      replica_health_status: 'healthy',
    });
  }

  /**
   * `async`: /api/v2 (202 at once, the agent polls); `sync`: /api/v3 and /api/v4 (the certified outcome, or 202 after a
   * while).
   */
  async call(mode: 'async' | 'sync', ecid: Principal, body: Uint8Array): Promise<HttpReply> {
    if (body.length > MAX_INGRESS_BYTES) {
      throw new HttpError(
        413,
        `Request is too large. Message byte size ${body.length} is larger than the max allowed ${MAX_INGRESS_BYTES}.`,
      );
    }
    const request = validateEnvelope(body, 'call', ecid, nowNanos());
    const refusal = this.ingressFilter(request, ecid);
    if (refusal) {
      return cborReply({
        status: 'non_replicated_rejection',
        reject_code: refusal.rejectCode,
        reject_message: refusal.rejectMessage,
        error_code: refusal.errorCode,
      });
    }
    const done = this.requestStatus.track(request.requestId, request.sender, () =>
      this.subnet.executeCall({
        sender: request.sender,
        canisterId: request.canisterId!,
        methodName: request.methodName!,
        arg: request.arg!,
      }),
    );
    if (mode === 'async') return { status: 202 };
    const finished = await Promise.race([
      done,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SYNC_CALL_WAIT_MS).unref()),
    ]);
    if (!finished) return { status: 202 };
    return cborReply({
      status: 'replied',
      certificate: this.certifier.certify(this.requestStatus.leaves(request.requestId)),
    });
  }

  async query(ecid: Principal, body: Uint8Array): Promise<HttpReply> {
    const request = validateEnvelope(body, 'query', ecid, nowNanos());
    this.checkManagementTarget(request, ecid);
    const result = await this.subnet.executeQuery({
      sender: request.sender,
      canisterId: request.canisterId!,
      methodName: request.methodName!,
      arg: request.arg!,
    });
    return cborReply(this.signedQueryResponse(result, request.requestId));
  }

  readState(ecid: Principal, body: Uint8Array): HttpReply {
    const request = validateEnvelope(body, 'read_state', ecid, nowNanos());
    const leaves = readStateLeaves(
      { keys: this.keys, store: this.subnet.store, engine: this.subnet.engine, requestStatus: this.requestStatus },
      request.paths!,
      request.sender,
      ecid,
    );
    return cborReply({ certificate: this.certifier.certify(leaves) });
  }

  /** `/api/v2|v3/subnet/<id>/read_state`: the subnet's own paths (time, keys, canister ranges), never a canister's. */
  readSubnetState(subnetId: Principal, body: Uint8Array): HttpReply {
    if (subnetId.compareTo(this.keys.subnetId) !== 'eq') {
      throw new HttpError(
        404,
        `Subnet ${subnetId.toText()} is not this network's subnet (${this.keys.subnetId.toText()}).`,
      );
    }
    const request = validateEnvelope(body, 'read_state', subnetId, nowNanos());
    return cborReply({ certificate: this.certifier.certify(readSubnetStateLeaves(this.keys, request.paths!)) });
  }

  /** Refusals a replica gives before a message enters execution. */
  private ingressFilter(request: IngressRequest, ecid: Principal): Reject | undefined {
    if (!isManagementCanister(request.canisterId!)) return undefined;
    if (!ingressMayCall(request.methodName!)) {
      return makeReject(
        ErrorCodes.CanisterRejectedMessage,
        `Only canisters can call ic00 method ${request.methodName}`,
      );
    }
    this.checkManagementTarget(request, ecid);
    return undefined;
  }

  /** For the management canister the effective canister id is the canister its argument names. */
  private checkManagementTarget(request: IngressRequest, ecid: Principal): void {
    if (!isManagementCanister(request.canisterId!)) return;
    let target: Principal | undefined;
    try {
      target = managementTarget(request.methodName!, decodeManagementArg(request.methodName!, request.arg!));
    } catch (error) {
      if (error instanceof RejectError) return; // execution reports it as a reject
      throw error;
    }
    if (target && target.compareTo(ecid) !== 'eq') {
      throw new HttpError(
        400,
        `Specified CanisterId ${target.toText()} does not match effective canister id in URL ${ecid.toText()}`,
      );
    }
  }

  /** A query response signed by the node key over the representation-independent hash the agent checks. */
  private signedQueryResponse(result: ExecutionResult, requestId: Uint8Array): Record<string, unknown> {
    const timestamp = nowNanos();
    const response: Record<string, unknown> =
      result.kind === 'reply'
        ? { status: 'replied', reply: { arg: result.reply } }
        : {
            status: 'rejected',
            reject_code: result.reject.rejectCode,
            reject_message: result.reject.rejectMessage,
            error_code: result.reject.errorCode,
          };
    const hash = hashOfMap({ ...response, timestamp, request_id: requestId });
    const signature = new Uint8Array(
      crypto.sign(null, concatBytes(RESPONSE_SEPARATOR, hash), this.keys.nodeSigningKey),
    );
    return { ...response, signatures: [{ timestamp, signature, identity: this.keys.nodeId.toUint8Array() }] };
  }
}
