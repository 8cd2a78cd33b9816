import { randomInt } from 'node:crypto';

/** Lower-case letters and digits without the look-alikes 0/o, 1/l/i: easy to read aloud and type. */
export const SHORT_ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const SHORT_ID_LENGTH = 6;

export function shortId(prefix: 'prm' | 'bak'): string {
  let id = `${prefix}-`;
  for (let i = 0; i < SHORT_ID_LENGTH; i++) id += SHORT_ID_ALPHABET[randomInt(SHORT_ID_ALPHABET.length)];
  return id;
}

/** Draws short ids until `isTaken` says one is free (called inside the writing transaction). */
export function uniqueShortId(prefix: 'prm' | 'bak', isTaken: (id: string) => boolean): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = shortId(prefix);
    if (!isTaken(id)) return id;
  }
  throw new Error(`could not find a free ${prefix} id after 100 attempts`);
}
