import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import type { CallRequest, IcTransport } from '../../src/transport.js';

export interface RecordedCall extends CallRequest {
  kind: 'update' | 'query';
}

type Handler = (request: CallRequest) => Uint8Array | Promise<Uint8Array>;

/**
 * An IcTransport that answers from recorded Candid replies (encoded with IDL.encode) and
 * remembers every request, for unit tests of code paths that cannot run against the devnet.
 */
export class RecordedTransport implements IcTransport {
  readonly calls: RecordedCall[] = [];
  readonly readStates: Uint8Array[][][] = [];
  private readonly handlers = new Map<string, Handler>();
  stateTree = new Map<string, Uint8Array>();

  constructor(readonly principal: Principal = Principal.fromText('2vxsx-fae')) {}

  on(method: string, handler: Handler): this {
    this.handlers.set(method, handler);
    return this;
  }

  /** Replies to `method` with these Candid values. */
  reply(method: string, types: IDL.Type[], values: unknown[]): this {
    return this.on(method, () => new Uint8Array(IDL.encode(types, values)));
  }

  private async answer(kind: 'update' | 'query', request: CallRequest): Promise<Uint8Array> {
    this.calls.push({ kind, ...request });
    const handler = this.handlers.get(request.method);
    if (!handler) throw new Error(`no recorded reply for ${request.method}`);
    return handler(request);
  }

  update(request: CallRequest): Promise<Uint8Array> {
    return this.answer('update', request);
  }

  query(request: CallRequest): Promise<Uint8Array> {
    return this.answer('query', request);
  }

  /** Pings always answer: these tests are about replies, not reachability. */
  async ping(): Promise<void> {}

  async readState(_canisterId: Principal, paths: Uint8Array[][]): Promise<Array<Uint8Array | undefined>> {
    this.readStates.push(paths);
    return paths.map((path) => this.stateTree.get(pathKey(path)));
  }

  methods(): string[] {
    return this.calls.map((call) => call.method);
  }
}

/** `canister/<principal text>/module_hash` style keys for the fake state tree. */
export function pathKey(path: Uint8Array[]): string {
  return path
    .map((label, index) => (index === 1 ? Principal.fromUint8Array(label).toText() : new TextDecoder().decode(label)))
    .join('/');
}
