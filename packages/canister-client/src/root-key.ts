import type { HttpAgent } from '@dfinity/agent';
import { CanisterClientError } from './errors.js';
import { type NetworkDescription, networkDetails, notAReplicaHint } from './network.js';

/** The DER header of a BLS12-381 G2 public key, the only kind of IC root key (IC interface spec). */
const BLS_ROOT_KEY_DER_PREFIX = Buffer.from(
  '308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100',
  'hex',
);
const BLS_ROOT_KEY_DER_LENGTH = BLS_ROOT_KEY_DER_PREFIX.length + 96;

/** How `connect` describes its first request in errors about the reply. */
export const STATUS_REQUEST = 'its status request (/api/v2/status)';

/**
 * The root key of a development network, from /api/v2/status. The agent would take whatever
 * the reply holds (or nothing) as the root key and fail later with a confusing message; a
 * server that answers 200 with something else is told apart here, as not an IC network.
 */
export async function fetchRootKey(agent: HttpAgent, network: NetworkDescription): Promise<Uint8Array> {
  const status: unknown = await agent.status();
  const rootKey = status && typeof status === 'object' ? (status as { root_key?: unknown }).root_key : undefined;
  if (rootKey instanceof Uint8Array && isBlsRootKey(rootKey)) return rootKey;
  const found = rootKey === undefined ? 'no root key' : 'a root key that is not a BLS public key';
  throw new CanisterClientError(
    'UNEXPECTED_REPLY',
    `${network.url} answered ${STATUS_REQUEST} with ${found}, so it is not an IC network`,
    {
      hint: notAReplicaHint(network),
      details: { ...networkDetails(network), path: '/api/v2/status' },
    },
  );
}

function isBlsRootKey(key: Uint8Array): boolean {
  return (
    key.length === BLS_ROOT_KEY_DER_LENGTH &&
    Buffer.from(key.subarray(0, BLS_ROOT_KEY_DER_PREFIX.length)).equals(BLS_ROOT_KEY_DER_PREFIX)
  );
}
