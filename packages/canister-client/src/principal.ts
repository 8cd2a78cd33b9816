import { Principal } from '@dfinity/principal';
import { CanisterClientError } from './errors.js';

export type PrincipalLike = Principal | string;

/** Parses a principal given by a user; a malformed one is INVALID_ARGUMENT, never a crash. */
export function toPrincipal(value: PrincipalLike, what = 'canister id'): Principal {
  if (value instanceof Principal) return value;
  if (typeof value === 'object' && value !== null && (value as { _isPrincipal?: boolean })._isPrincipal)
    return Principal.from(value);
  try {
    return Principal.fromText(String(value).trim());
  } catch {
    throw new CanisterClientError('INVALID_ARGUMENT', `"${String(value)}" is not a valid ${what}`, {
      hint: 'A principal looks like `rrkah-fqaaa-aaaaa-aaaaq-cai` (groups of five characters separated by dashes).',
      details: { value: String(value) },
    });
  }
}

export const MANAGEMENT_CANISTER_ID = Principal.fromText('aaaaa-aa');
