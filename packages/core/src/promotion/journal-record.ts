import type { JsonObject, JsonValue } from '@soulrecall/history-store';
import { SoulrecallError } from '../errors.js';

/**
 * Reads one stored JSON value back as the type it was written as, or throws a
 * JournalRecordMismatch naming where it differs. `path` is where the value sits in the record
 * (`backup.deploymentId`), for that message.
 */
export type Decoder<T> = (value: JsonValue | undefined, path: string) => T;

/**
 * A journal step together with the shape of what it records: the one place that says what a
 * resumed promotion (or an abort) may read back from the step. Reading a step is only possible
 * through its definition, so code cannot read it as another type.
 */
export interface JournalStepDefinition<T extends JsonObject> {
  readonly name: string;
  readonly decode: Decoder<T>;
}

/**
 * A stored step record that is not what its step declares (a journal written by another soulrecall version, or edited).
 */
export class JournalRecordMismatch extends SoulrecallError {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly found: JsonValue | undefined,
  ) {
    super(`The journal record ${path} is ${describe(found)}, not ${expected} as this soulrecall version writes it.`, {
      code: 'JOURNAL_RECORD_MISMATCH',
      hint: 'The promotion was probably written by another soulrecall version: resume or abort it with that version (`soulrecall promote show <id>` shows the journal).',
      details: { path, expected },
    });
    this.name = 'JournalRecordMismatch';
  }
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `${typeof value === 'object' ? 'an object' : `a ${typeof value}`} (${JSON.stringify(value).slice(0, 40)})`;
}

function primitive<T extends JsonValue>(expected: string, accepts: (value: JsonValue) => boolean): Decoder<T> {
  return (value, path) => {
    if (value !== undefined && accepts(value)) return value as T;
    throw new JournalRecordMismatch(path, expected, value);
  };
}

const isObject = (value: JsonValue): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The shape of a record, field by field. */
export type RecordShape = Record<string, Decoder<JsonValue>>;
/** The typed record a shape of field decoders reads. */
export type DecodedRecord<S extends RecordShape> = { [K in keyof S]: ReturnType<S[K]> };

export const journalRecord = {
  string: primitive<string>('a string', (value) => typeof value === 'string'),
  number: primitive<number>('a number', (value) => typeof value === 'number' && Number.isFinite(value)),
  boolean: primitive<boolean>('true or false', (value) => typeof value === 'boolean'),
  /** Any JSON object, kept as it was (facts shown in `promote show`, never read back field by field). */
  object: primitive<JsonObject>('an object', isObject),
  /** `inner`, or null (also for a field older records do not have). */
  nullable<T extends JsonValue>(inner: Decoder<T>): Decoder<T | null> {
    return (value, path) => (value === null || value === undefined ? null : inner(value, path));
  },
  oneOf<const T extends readonly string[]>(...choices: T): Decoder<T[number]> {
    return primitive<T[number]>(
      `one of ${choices.join(', ')}`,
      (value) => typeof value === 'string' && choices.includes(value),
    );
  },
  /** An object with (at least) these fields; fields it does not name are dropped. */
  fields<S extends RecordShape>(shape: S): Decoder<DecodedRecord<S>> {
    return (value, path) => {
      if (value === undefined || !isObject(value)) throw new JournalRecordMismatch(path, 'an object', value);
      const decoded: JsonObject = {};
      for (const [key, field] of Object.entries(shape)) decoded[key] = field(value[key], `${path}.${key}`);
      return decoded as DecodedRecord<S>;
    };
  },
};

/** A step named `name` whose record has these fields. */
export function journalStep<S extends RecordShape>(name: string, shape: S): JournalStepDefinition<DecodedRecord<S>> {
  return { name, decode: journalRecord.fields(shape) };
}
