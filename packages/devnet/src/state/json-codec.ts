import { Principal } from '@dfinity/principal';
import { fromBase64, toBase64 } from '../bytes.js';

/**
 * JSON with the value types the devnet's state holds: bigint, bytes and principals are tagged
 * so that a stored file reads back into the same shapes.
 */
export function encodeStateJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string) {
    const raw = this[key];
    if (typeof raw === 'bigint') return { $n: raw.toString() };
    if (raw instanceof Uint8Array) return { $b: toBase64(raw) };
    if (
      raw instanceof Principal ||
      (typeof raw === 'object' && raw !== null && (raw as { _isPrincipal?: boolean })._isPrincipal)
    ) {
      return { $p: (raw as Principal).toText() };
    }
    return raw;
  });
}

export function decodeStateJson<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      const keys = Object.keys(tagged);
      if (keys.length === 1) {
        if (typeof tagged.$n === 'string') return BigInt(tagged.$n);
        if (typeof tagged.$b === 'string') return fromBase64(tagged.$b);
        if (typeof tagged.$p === 'string') return Principal.fromText(tagged.$p);
      }
    }
    return value;
  }) as T;
}
