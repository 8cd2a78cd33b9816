import { IDL } from '@dfinity/candid';
import { CanisterClientError } from '../errors.js';

/** Encodes arguments and decodes replies for one method of an IDL service. */
export class CandidService {
  private readonly methods: Map<string, IDL.FuncClass>;

  constructor(factory: IDL.InterfaceFactory) {
    this.methods = new Map(factory({ IDL })._fields);
  }

  private func(method: string): IDL.FuncClass {
    const func = this.methods.get(method);
    if (!func) throw new Error(`unknown method ${method}`); // a programming error, not a user one
    return func;
  }

  isQuery(method: string): boolean {
    return this.func(method).annotations.includes('query');
  }

  encodeArgs(method: string, args: unknown[]): Uint8Array {
    const func = this.func(method);
    try {
      return new Uint8Array(IDL.encode(func.argTypes, args));
    } catch (error) {
      throw new CanisterClientError('INVALID_ARGUMENT', `Invalid argument for ${method}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Decodes a request's arguments (the replica side; used by tests and tools). */
  decodeArgs(method: string, arg: Uint8Array): unknown[] {
    return IDL.decode(this.func(method).argTypes, arg);
  }

  /** Encodes a reply (the replica side; used by tests and tools). */
  encodeReply(method: string, values: unknown[]): Uint8Array {
    return new Uint8Array(IDL.encode(this.func(method).retTypes, values));
  }

  /** The reply's single value (or undefined for `()`). */
  decodeReply<T>(method: string, reply: Uint8Array): T {
    const func = this.func(method);
    try {
      const values = IDL.decode(func.retTypes, reply);
      return (values.length === 0 ? undefined : values[0]) as T;
    } catch (error) {
      throw new CanisterClientError(
        'UNEXPECTED_REPLY',
        `Cannot decode the reply of ${method}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

export const toHex = (bytes: Uint8Array | number[]): string =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes)).toString('hex');
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
/** Candid `opt T` as JS (`[] | [T]`) to `T | undefined`. */
export const fromOpt = <T>(value: [] | [T] | undefined): T | undefined =>
  value && value.length > 0 ? value[0] : undefined;
export const toOpt = <T>(value: T | undefined): [] | [T] => (value === undefined ? [] : [value]);
