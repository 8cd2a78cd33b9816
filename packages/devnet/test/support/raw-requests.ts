import { Cbor, IC_REQUEST_DOMAIN_SEPARATOR, requestIdOf, type SignIdentity } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';

/** Hand-built requests, so tests can send what a well-behaved agent never would. */
export interface RawCallContent {
  request_type: 'call' | 'query' | 'read_state';
  sender: Uint8Array;
  ingress_expiry: bigint;
  canister_id?: Uint8Array;
  method_name?: string;
  arg?: Uint8Array;
  paths?: Uint8Array[][];
}

export const inMinutes = (minutes: number): bigint => BigInt(Date.now() + minutes * 60_000) * 1_000_000n;

export function callContent(
  identity: SignIdentity | undefined,
  canisterId: Principal,
  methodName: string,
  arg: Uint8Array,
  type: 'call' | 'query' = 'call',
): RawCallContent {
  return {
    request_type: type,
    sender: identity ? identity.getPrincipal().toUint8Array() : Principal.anonymous().toUint8Array(),
    ingress_expiry: inMinutes(3),
    canister_id: canisterId.toUint8Array(),
    method_name: methodName,
    arg,
  };
}

/** Signs `content` with `identity` (or leaves it anonymous) and encodes the envelope. */
export async function envelope(
  content: RawCallContent,
  identity?: SignIdentity,
  tamper?: (env: Record<string, unknown>) => void,
): Promise<Uint8Array> {
  const env: Record<string, unknown> = { content };
  if (identity) {
    const requestId = requestIdOf(content as unknown as Record<string, unknown>);
    env.sender_pubkey = identity.getPublicKey().toDer();
    env.sender_sig = await identity.sign(new Uint8Array([...IC_REQUEST_DOMAIN_SEPARATOR, ...requestId]));
  }
  tamper?.(env);
  return Cbor.encode(env);
}

export async function post(
  url: string,
  path: string,
  body: Uint8Array,
): Promise<{ status: number; text: string; bytes: Uint8Array }> {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/cbor' },
    body,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, text: new TextDecoder().decode(bytes), bytes };
}
