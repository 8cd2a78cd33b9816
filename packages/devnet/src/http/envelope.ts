import * as cbor from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { hashOfMap, requestIdOf } from '@dfinity/agent';
import { bytesEqual, concatBytes, domainSeparator, toHex, utf8 } from '../bytes.js';
import { parseSenderPublicKey, verifySignature, type SenderPublicKey } from '../crypto/signature-schemes.js';
import { HttpError } from './http-error.js';

export type RequestType = 'call' | 'query' | 'read_state';

/** A validated request: who sent it, what it asks for, and its request id. */
export interface IngressRequest {
  requestType: RequestType;
  requestId: Uint8Array;
  sender: Principal;
  ingressExpiry: bigint;
  canisterId?: Principal;
  methodName?: string;
  arg?: Uint8Array;
  paths?: Uint8Array[][];
  /** Canisters the sender's delegations restrict it to, if any. */
  delegationTargets?: Principal[];
}

const REQUEST_SEPARATOR = new Uint8Array([0x0a, ...utf8('ic-request')]);
const DELEGATION_SEPARATOR = domainSeparator('ic-request-auth-delegation');
const MAX_DELEGATIONS = 20;
const MAX_NONCE_BYTES = 32;
/** Accepted expiry window like a replica: [now, now + 5 min + 30 s drift]. */
const MAX_EXPIRY_AHEAD_NANOS = (5n * 60n + 30n) * 1_000_000_000n;

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
const toNat = (value: unknown): bigint | undefined =>
  typeof value === 'bigint'
    ? value
    : typeof value === 'number' && Number.isInteger(value) && value >= 0
      ? BigInt(value)
      : undefined;

function fail(message: string): never {
  throw new HttpError(400, message);
}

/** Decodes a CBOR envelope and checks it like a replica's ingress validation. */
export function validateEnvelope(
  body: Uint8Array,
  expectedType: RequestType,
  effectiveCanisterId: Principal,
  nowNanos: bigint,
): IngressRequest {
  let envelope: unknown;
  try {
    envelope = cbor.decode(body);
  } catch (error) {
    fail(`Could not parse body as ${expectedType} request: ${(error as Error).message}`);
  }
  if (!isRecord(envelope) || !isRecord(envelope.content))
    fail(`Could not parse body as ${expectedType} request: missing field \`content\``);
  const content = envelope.content;
  if (content.request_type !== expectedType) {
    fail(
      `Could not parse body as ${expectedType} request: invalid request_type ${JSON.stringify(String(content.request_type))}, expected "${expectedType}"`,
    );
  }
  const request = parseContent(content, expectedType);
  let requestId: Uint8Array;
  try {
    requestId = requestIdOf(content);
  } catch (error) {
    fail(`Could not parse body as ${expectedType} request: ${(error as Error).message}`);
  }
  checkExpiry(request.ingressExpiry, nowNanos);
  if (
    request.canisterId &&
    !isManagementCanister(request.canisterId) &&
    request.canisterId.compareTo(effectiveCanisterId) !== 'eq'
  ) {
    fail(
      `Specified CanisterId ${request.canisterId.toText()} does not match effective canister id in URL ${effectiveCanisterId.toText()}`,
    );
  }
  const delegationTargets = authenticate(envelope, request.sender, requestId, nowNanos);
  if (
    delegationTargets &&
    request.canisterId &&
    !delegationTargets.some((target) => target.compareTo(request.canisterId!) === 'eq')
  ) {
    throw new HttpError(
      403,
      `Failed to authenticate request 0x${toHex(requestId)} due to: Canister ${request.canisterId.toText()} is not one of the delegation targets.`,
    );
  }
  return { ...request, requestId, delegationTargets };
}

export const isManagementCanister = (principal: Principal): boolean => principal.toUint8Array().length === 0;

function parseContent(
  content: Record<string, unknown>,
  type: RequestType,
): Omit<IngressRequest, 'requestId' | 'delegationTargets'> {
  const malformed = (field: string): never =>
    fail(`Could not parse body as ${type} request: invalid or missing field \`${field}\``);
  if (!isBytes(content.sender) || content.sender.length > 29) malformed('sender');
  const ingressExpiry = toNat(content.ingress_expiry) ?? malformed('ingress_expiry');
  if (content.nonce !== undefined && (!isBytes(content.nonce) || content.nonce.length > MAX_NONCE_BYTES))
    malformed('nonce');
  const sender = Principal.fromUint8Array(content.sender as Uint8Array);
  if (type === 'read_state') {
    const paths = content.paths;
    if (!Array.isArray(paths) || !paths.every((p) => Array.isArray(p) && p.every(isBytes))) malformed('paths');
    return { requestType: type, sender, ingressExpiry, paths: paths as Uint8Array[][] };
  }
  if (!isBytes(content.canister_id) || content.canister_id.length > 29) malformed('canister_id');
  if (typeof content.method_name !== 'string') malformed('method_name');
  if (!isBytes(content.arg)) malformed('arg');
  return {
    requestType: type,
    sender,
    ingressExpiry,
    canisterId: Principal.fromUint8Array(content.canister_id as Uint8Array),
    methodName: content.method_name as string,
    arg: content.arg as Uint8Array,
  };
}

function checkExpiry(expiry: bigint, now: bigint): void {
  const max = now + MAX_EXPIRY_AHEAD_NANOS;
  if (expiry < now || expiry > max) {
    fail(
      `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${now}, Maximum allowed expiry: ${max}, Provided expiry: ${expiry}`,
    );
  }
}

/**
 * Checks sender, public key, delegations and signature. Returns the intersection of delegation targets, if any
 * restrict.
 */
function authenticate(
  envelope: Record<string, unknown>,
  sender: Principal,
  requestId: Uint8Array,
  now: bigint,
): Principal[] | undefined {
  const rid = `0x${toHex(requestId)}`;
  const deny = (reason: string): never => {
    throw new HttpError(400, `Failed to authenticate request ${rid} due to: ${reason}`);
  };
  const { sender_pubkey: pubkey, sender_sig: signature, sender_delegation: delegations } = envelope;
  if (sender.isAnonymous()) {
    if (pubkey !== undefined || signature !== undefined || delegations !== undefined)
      deny('Anonymous request must not carry a public key, a signature or delegations.');
    return undefined;
  }
  if (!isBytes(pubkey) || !isBytes(signature))
    deny('Missing signature: a request from a non-anonymous sender must carry sender_pubkey and sender_sig.');
  const pubkeyDer = pubkey as Uint8Array;
  if (!bytesEqual(Principal.selfAuthenticating(pubkeyDer).toUint8Array(), sender.toUint8Array())) {
    deny(`The user id ${sender.toText()} does not match the public key ${toHex(pubkeyDer)}.`);
  }
  let signingKey = parseKey(pubkeyDer, deny);
  let targets: Principal[] | undefined;
  if (delegations !== undefined) {
    if (!Array.isArray(delegations)) deny('Invalid delegation: sender_delegation must be an array.');
    const chain = delegations as unknown[];
    if (chain.length > MAX_DELEGATIONS)
      deny(
        `Invalid delegation: Chain of delegations is too long: got ${chain.length} delegations, but at most ${MAX_DELEGATIONS} are allowed.`,
      );
    for (const entry of chain) {
      if (!isRecord(entry) || !isRecord(entry.delegation) || !isBytes(entry.signature))
        deny('Invalid delegation: malformed signed delegation.');
      const { delegation, signature: delegationSignature } = entry as {
        delegation: Record<string, unknown>;
        signature: Uint8Array;
      };
      const expiration = toNat(delegation.expiration);
      if (!isBytes(delegation.pubkey) || expiration === undefined) deny('Invalid delegation: malformed delegation.');
      let hash: Uint8Array;
      try {
        hash = hashOfMap(delegation);
      } catch {
        return deny('Invalid delegation: malformed delegation.');
      }
      if (!verifySignature(signingKey, concatBytes(DELEGATION_SEPARATOR, hash), delegationSignature)) {
        deny(
          `Invalid delegation: Invalid signature: Ed25519/ECDSA signature could not be verified: public key ${toHex(pubkeyDer)}`,
        );
      }
      if (expiration! < now) deny(`Invalid delegation: Delegation has expired: expiration ${expiration}, now ${now}.`);
      if (delegation.targets !== undefined) {
        if (!Array.isArray(delegation.targets) || !delegation.targets.every(isBytes))
          deny('Invalid delegation: malformed targets.');
        const these = (delegation.targets as Uint8Array[]).map((t) => Principal.fromUint8Array(t));
        targets = targets === undefined ? these : targets.filter((t) => these.some((u) => u.compareTo(t) === 'eq'));
      }
      signingKey = parseKey(delegation.pubkey as Uint8Array, deny);
    }
  }
  if (!verifySignature(signingKey, concatBytes(REQUEST_SEPARATOR, requestId), signature as Uint8Array)) {
    deny(
      `Invalid signature: Invalid basic signature: ${signingKey.scheme} signature could not be verified: public key ${toHex(pubkeyDer)}, signature ${toHex(signature as Uint8Array)}`,
    );
  }
  return targets;
}

function parseKey(der: Uint8Array, deny: (reason: string) => never): SenderPublicKey {
  try {
    return parseSenderPublicKey(der);
  } catch (error) {
    return deny(`Invalid public key: ${(error as Error).message}`);
  }
}
