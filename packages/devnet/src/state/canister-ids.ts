import { randomBytes } from 'node:crypto';
import { Principal } from '@dfinity/principal';

/**
 * Canister ids of the network. Like an IC subnet, each network owns a range of ids: a block of
 * 2^20 consecutive indices, chosen at random when its state directory is created, so the same id
 * never names two canisters of two networks (a snapshot, an agent's route or a history record of
 * one network cannot be mistaken for another's canister).
 */

/** Ids in a network's range; a replica's subnet gets ranges of this size too. */
export const CANISTER_RANGE_SIZE = 1n << 20n;
/**
 * Blocks are chosen at or above this index: the IC's subnets use indices below 2^32 today, the NNS
 * (with the ledger, the CMC, Internet Identity…) the first block. Below 2^63 so every tool reads
 * the index as a non-negative 64-bit number.
 */
const LOWEST_BLOCK = 1n << 24n;
const BLOCK_COUNT = (1n << 43n) - LOWEST_BLOCK;

/** Well-known canisters of the IC outside the NNS range, which no network ever allocates. */
export const SYSTEM_CANISTER_IDS: readonly string[] = [
  'um5iw-rqaaa-aaaaq-qaaba-cai', // cycles ledger
  'ul4oc-4iaaa-aaaaq-qaabq-cai', // cycles ledger index
  'uf6dk-hyaaa-aaaaq-qaaaq-cai', // exchange rate canister
  'mxzaz-hqaaa-aaaar-qaada-cai', // ckBTC ledger
  'mqygn-kiaaa-aaaar-qaadq-cai', // ckBTC minter
  'ss2fx-dyaaa-aaaar-qacoq-cai', // ckETH ledger
  'sv3dd-oaaaa-aaaar-qacoa-cai', // ckETH minter
  '7hfb6-caaaa-aaaar-qadga-cai', // EVM RPC
  'ghsi2-tqaaa-aaaan-aaaca-cai', // Bitcoin (mainnet)
  'g4xu7-jiaaa-aaaan-aaaaq-cai', // Bitcoin (testnet)
];

export interface CanisterRange {
  /** Index of the first id (the 8-byte big-endian part of `index ‖ 0x01 0x01`). */
  start: bigint;
  size: bigint;
}

/** The canister id of an index, like a replica's: the 8-byte big-endian index followed by 0x01 0x01. */
export function canisterIdAt(index: bigint): Principal {
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setBigUint64(0, index);
  bytes[8] = 1;
  bytes[9] = 1;
  return Principal.fromUint8Array(bytes);
}

/** The index of a canister id of that form, or undefined for any other principal. */
export function canisterIndexOf(id: Principal): bigint | undefined {
  const bytes = id.toUint8Array();
  if (bytes.length !== 10 || bytes[8] !== 1 || bytes[9] !== 1) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0);
}

/** Ids the IC reserves: the NNS range and the well-known system canisters. */
export function isSystemCanisterId(id: Principal): boolean {
  const index = canisterIndexOf(id);
  if (index !== undefined && index < CANISTER_RANGE_SIZE) return true;
  return SYSTEM_CANISTER_IDS.includes(id.toText());
}

export function rangeContains(range: CanisterRange, id: Principal): boolean {
  const index = canisterIndexOf(id);
  return index !== undefined && index >= range.start && index < range.start + range.size;
}

/** A random block of 2^20 ids far above the IC's system ranges, containing no system canister. */
export function chooseCanisterRange(random: (bytes: number) => Uint8Array = randomBytes): CanisterRange {
  for (;;) {
    const word = new DataView(Uint8Array.from(random(8)).buffer).getBigUint64(0);
    const range = { start: (LOWEST_BLOCK + (word % BLOCK_COUNT)) * CANISTER_RANGE_SIZE, size: CANISTER_RANGE_SIZE };
    if (!SYSTEM_CANISTER_IDS.some((id) => rangeContains(range, Principal.fromText(id)))) return range;
  }
}
