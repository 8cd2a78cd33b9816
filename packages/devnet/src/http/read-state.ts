import * as cbor from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { bytesEqual } from '../bytes.js';
import type { TreeLeaf } from '../crypto/hash-tree.js';
import type { NetworkKeys } from '../crypto/network-keys.js';
import type { ExecutionEngine } from '../execution/types.js';
import { isController } from '../state/canister-record.js';
import type { CanisterStore } from '../state/canister-store.js';
import { HttpError } from './http-error.js';
import type { RequestStatusStore } from './request-status.js';

const MAX_PATHS = 1000;
const MAX_PATH_LENGTH = 127;

export interface ReadStateSources {
  keys: NetworkKeys;
  store: CanisterStore;
  engine: ExecutionEngine;
  requestStatus: RequestStatusStore;
}

/**
 * The subnet's canister ranges: every id of the form <8 bytes>·0x01·0x01. Wider than the block the
 * network allocates from (state/canister-ids.ts) on purpose: the network also routes ids taken
 * through `specified_id` and those of state directories from before ranges, and @dfinity/agent
 * checks that the effective canister id lies in these ranges when it verifies query signatures.
 */
const RANGE_START = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
const RANGE_END = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 1]);
const CANISTER_RANGES = cbor.encodeWithSelfDescribedTag([[RANGE_START, RANGE_END]]);

const text = (label: Uint8Array): string => new TextDecoder().decode(label);

/**
 * Collects the certificate leaves a read_state request asks for, after checking that the sender
 * may read them (like a replica: 403 for other users' request status and private metadata).
 */
export function readStateLeaves(
  sources: ReadStateSources,
  paths: Uint8Array[][],
  sender: Principal,
  effectiveCanisterId: Principal,
): TreeLeaf[] {
  return collectLeaves(paths, (root, rest) => {
    switch (root) {
      case 'time':
        return [];
      case 'subnet':
        return subnetLeaves(sources.keys, rest[0]);
      case 'request_status':
        if (!rest[0]) throw new HttpError(404, 'Invalid path requested.');
        return requestStatusLeaves(sources, rest[0], sender);
      case 'canister':
        return canisterLeaves(sources, rest, sender, effectiveCanisterId);
      default:
        throw new HttpError(404, 'Invalid path requested.');
    }
  });
}

/**
 * A subnet read_state (`/api/v2|v3/subnet/<id>/read_state`) may ask for the time, the subnet's
 * keys and ranges under `/subnet`, and the sharded ranges under `/canister_ranges/<subnet id>`
 * (what ic-agent reads to learn a subnet); canister paths and request status are not a subnet's.
 */
export function readSubnetStateLeaves(keys: NetworkKeys, paths: Uint8Array[][]): TreeLeaf[] {
  return collectLeaves(paths, (root, rest) => {
    switch (root) {
      case 'time':
        return [];
      case 'subnet':
        return subnetLeaves(keys, rest[0]);
      case 'canister_ranges':
        return canisterRangeLeaves(keys, rest[0]);
      default:
        throw new HttpError(404, 'Invalid path requested.');
    }
  });
}

/** The limits every read_state shares, then the leaves each path names (`/time` is in every certificate). */
function collectLeaves(paths: Uint8Array[][], leavesOf: (root: string, rest: Uint8Array[]) => TreeLeaf[]): TreeLeaf[] {
  if (paths.length > MAX_PATHS)
    throw new HttpError(400, `Too many paths requested: ${paths.length}, at most ${MAX_PATHS} are allowed.`);
  const leaves: TreeLeaf[] = [];
  for (const path of paths) {
    if (path.length > MAX_PATH_LENGTH) throw new HttpError(400, 'Invalid path requested: path is too long.');
    const [root, ...rest] = path;
    leaves.push(...leavesOf(root ? text(root) : '', rest));
  }
  return leaves;
}

/** `/canister_ranges/<subnet id>/<first canister id of the shard>`: one shard holds all of this subnet's ranges. */
function canisterRangeLeaves(keys: NetworkKeys, subnetId: Uint8Array | undefined): TreeLeaf[] {
  const sid = keys.subnetId.toUint8Array();
  if (subnetId && !bytesEqual(subnetId, sid)) return [];
  return [{ path: ['canister_ranges', sid, RANGE_START], value: CANISTER_RANGES }];
}

function subnetLeaves(keys: NetworkKeys, subnetId: Uint8Array | undefined): TreeLeaf[] {
  const sid = keys.subnetId.toUint8Array();
  if (subnetId && !bytesEqual(subnetId, sid)) return [];
  return [
    { path: ['subnet', sid, 'canister_ranges'], value: CANISTER_RANGES },
    { path: ['subnet', sid, 'public_key'], value: keys.rootKeyDer },
    { path: ['subnet', sid, 'node', keys.nodeId.toUint8Array(), 'public_key'], value: keys.nodeKeyDer },
  ];
}

function requestStatusLeaves(sources: ReadStateSources, requestId: Uint8Array, sender: Principal): TreeLeaf[] {
  const owner = sources.requestStatus.senderOf(requestId);
  if (owner && owner.compareTo(sender) !== 'eq') {
    throw new HttpError(403, 'Request IDs must be for requests signed by the caller.');
  }
  return sources.requestStatus.leaves(requestId);
}

function canisterLeaves(
  sources: ReadStateSources,
  rest: Uint8Array[],
  sender: Principal,
  effectiveCanisterId: Principal,
): TreeLeaf[] {
  const [idBytes, kind, name] = rest;
  if (!idBytes || !kind) throw new HttpError(404, 'Invalid path requested.');
  if (idBytes.length > 29) throw new HttpError(400, 'Invalid path requested: malformed canister id.');
  const id = Principal.fromUint8Array(idBytes);
  if (id.compareTo(effectiveCanisterId) !== 'eq') {
    throw new HttpError(
      400,
      `Effective canister id in URL ${effectiveCanisterId.toText()} does not match requested canister id: ${id.toText()}.`,
    );
  }
  const record = sources.store.get(id);
  const base = ['canister', idBytes];
  switch (text(kind)) {
    case 'module_hash':
      return record?.moduleHash ? [{ path: [...base, 'module_hash'], value: record.moduleHash }] : [];
    case 'controllers':
      return record
        ? [
            {
              path: [...base, 'controllers'],
              value: cbor.encodeWithSelfDescribedTag(record.controllers.map((c) => c.toUint8Array())),
            },
          ]
        : [];
    case 'certified_data':
      return record && sources.engine.hasCode(idBytes)
        ? [{ path: [...base, 'certified_data'], value: sources.engine.certifiedData(idBytes) }]
        : [];
    case 'metadata': {
      if (!name) throw new HttpError(404, 'Invalid path requested.');
      const section = record?.metadata.find((entry) => entry.name === text(name));
      if (!section || !record) return [];
      if (section.visibility === 'private' && !isController(record, sender)) {
        throw new HttpError(
          403,
          `Custom section ${text(name)} can only be requested by the controllers of the canister.`,
        );
      }
      return [{ path: [...base, 'metadata', name], value: section.content }];
    }
    default:
      throw new HttpError(404, 'Invalid path requested.');
  }
}
