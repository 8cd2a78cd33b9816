import {
  type CandidValue,
  CandidDecodeError,
  candidToPlain,
  decodeCandidUntyped,
  labelId,
} from '../candid/generic-decode.js';

/**
 * How a health method's reply is judged, whatever its Candid type (documented in README.md):
 * unhealthy when the first value is `false`; a variant whose tag is err / Err / error / Error /
 * unhealthy / Unhealthy; or a record with a field `ok` or `healthy` equal to `false`.
 * A reply that is not valid Candid is unhealthy too. Anything else (including `()`) is healthy.
 * Rejects and traps are judged by the probe: unhealthy.
 */
const UNHEALTHY_TAGS = new Set(['err', 'Err', 'error', 'Error', 'unhealthy', 'Unhealthy'].map(labelId));
const FLAG_FIELDS = new Set(['ok', 'healthy'].map(labelId));

export interface ReplyVerdict {
  healthy: boolean;
  /** Why, in a few words. */
  reason: string;
  /** The decoded reply, JSON-friendly (see candidToPlain). */
  reply?: unknown;
}

function judge(value: CandidValue): { healthy: boolean; reason: string } {
  if (value.kind === 'bool')
    return value.value ? { healthy: true, reason: 'replied true' } : { healthy: false, reason: 'replied false' };
  if (value.kind === 'variant') {
    const tag = value.field.name ?? `_${value.field.id}`;
    return UNHEALTHY_TAGS.has(value.field.id)
      ? { healthy: false, reason: `replied #${tag}` }
      : { healthy: true, reason: `replied #${tag}` };
  }
  if (value.kind === 'record') {
    const flag = value.fields.find(
      (field) => FLAG_FIELDS.has(field.id) && field.value.kind === 'bool' && !field.value.value,
    );
    if (flag) return { healthy: false, reason: `replied ${flag.name} = false` };
  }
  return { healthy: true, reason: 'replied' };
}

/** Judges a health method's raw Candid reply without knowing its type. */
export function judgeHealthReply(reply: Uint8Array): ReplyVerdict {
  let values: CandidValue[];
  try {
    values = decodeCandidUntyped(reply);
  } catch (error) {
    if (error instanceof CandidDecodeError)
      return { healthy: false, reason: `reply is not valid Candid (${error.message})` };
    throw error;
  }
  if (values.length === 0) return { healthy: true, reason: 'replied ()', reply: null };
  const plain = values.length === 1 ? candidToPlain(values[0]) : values.map(candidToPlain);
  return { ...judge(values[0]), reply: plain };
}
