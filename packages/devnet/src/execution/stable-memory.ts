/**
 * Stable memory with copy-on-write transactions: a message that never writes stable memory
 * costs nothing, one that does works on a private copy that is kept (commit) or dropped
 * (rollback). Buffers are SharedArrayBuffers so the committed copy can be handed to the main
 * thread without copying.
 */
export const WASM_PAGE_BYTES = 65536;
/** Upper bound the devnet allows (the replica allows hundreds of GiB; Node cannot). */
export const MAX_STABLE_PAGES = 1n << 15n;
export const MAX_STABLE32_PAGES = 1n << 16n;

export function sharedCopy(source: Uint8Array, length = source.length): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(length));
  copy.set(source.length > length ? source.subarray(0, length) : source);
  return copy;
}

export class StableMemory {
  private working: Uint8Array | undefined;

  constructor(private committedBytes: Uint8Array = new Uint8Array(new SharedArrayBuffer(0))) {}

  get committed(): Uint8Array {
    return this.committedBytes;
  }

  private get current(): Uint8Array {
    return this.working ?? this.committedBytes;
  }

  get sizePages(): bigint {
    return BigInt(this.current.length / WASM_PAGE_BYTES);
  }

  get byteLength(): number {
    return this.current.length;
  }

  /** Returns the old size in pages, or -1 when the limit would be exceeded. */
  grow(newPages: bigint, limitPages: bigint): bigint {
    const old = this.sizePages;
    if (newPages < 0n || old + newPages > limitPages) return -1n;
    if (newPages === 0n) return old;
    this.working = sharedCopy(this.current, Number(old + newPages) * WASM_PAGE_BYTES);
    return old;
  }

  inBounds(offset: number, size: number): boolean {
    return offset + size <= this.current.length;
  }

  read(offset: number, size: number): Uint8Array {
    return this.current.subarray(offset, offset + size);
  }

  write(offset: number, data: Uint8Array): void {
    this.working ??= sharedCopy(this.committedBytes);
    this.working.set(data, offset);
  }

  commit(): void {
    if (this.working) this.committedBytes = this.working;
    this.working = undefined;
  }

  rollback(): void {
    this.working = undefined;
  }
}
