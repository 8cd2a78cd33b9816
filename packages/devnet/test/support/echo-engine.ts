import type {
  ExecutionEngine,
  InstallOutcome,
  MessageContext,
  MessageOutcome,
  WasmStateExport,
} from '../../src/execution/types.js';

/**
 * A test-only engine for protocol tests that need no Wasm: any module is "code" exposing
 * `echo` (update, replies its argument), `trap` (update, traps) and `echo_query` (query).
 */
export async function createEchoEngine(): Promise<ExecutionEngine> {
  const installed = new Map<string, WasmStateExport>();
  const key = (id: Uint8Array) => Buffer.from(id).toString('hex');
  const reply = (bytes: Uint8Array): MessageOutcome => ({ kind: 'reply', reply: bytes, logs: [], instructions: 0n });
  const run = (id: Uint8Array, method: string, arg: Uint8Array, context: MessageContext): MessageOutcome => {
    if (!installed.has(key(id))) throw new Error('no code');
    if (method === 'trap') {
      return {
        kind: 'reject',
        rejectCode: 5,
        rejectMessage: 'Canister called `ic0.trap` with message: boom',
        errorCode: 'IC0503',
        instructions: 0n,
        logs: [{ timeNanos: context.timeNanos, content: new TextEncoder().encode('boom') }],
      };
    }
    return reply(arg);
  };
  return {
    async install(request): Promise<InstallOutcome> {
      installed.set(key(request.canisterId), {
        module: request.wasm,
        heap: new Uint8Array(),
        stableMemory: new Uint8Array(),
        globals: [],
        certifiedData: new Uint8Array(),
        globalTimerNanos: '0',
      });
      return {
        kind: 'installed',
        logs: [],
        metadata: [
          { name: 'candid:service', visibility: 'public', content: new TextEncoder().encode('service : {}') },
          { name: 'secret', visibility: 'private', content: new TextEncoder().encode('hidden') },
        ],
      };
    },
    async uninstall(id) {
      installed.delete(key(id));
    },
    async update(id, method, arg, context) {
      return run(id, method, arg, context);
    },
    async query(id, method, arg, context) {
      return run(id, method, arg, context);
    },
    // Echo modules export no system task.
    systemTasksDue: () => [],
    async runSystemTask() {
      return undefined;
    },
    // Echo modules make no calls, so no callback is ever due.
    async callback() {
      throw new Error('the echo engine makes no inter-canister calls');
    },
    hasCode: (id) => installed.has(key(id)),
    methods: () => ({ updates: ['echo', 'trap'], queries: ['echo_query'], compositeQueries: [] }),
    memorySize: () => 0n,
    certifiedData: () => new Uint8Array(),
    async exportState(id) {
      return (
        installed.get(key(id)) ?? {
          module: new Uint8Array(),
          heap: new Uint8Array(),
          stableMemory: new Uint8Array(),
          globals: [],
          certifiedData: new Uint8Array(),
          globalTimerNanos: '0',
        }
      );
    },
    async importState(id, state) {
      if (state.module.length) installed.set(key(id), { ...state, globalTimerNanos: state.globalTimerNanos ?? '0' });
      else installed.delete(key(id));
      return { kind: 'imported', metadata: [] };
    },
    async mutableGlobalTypes() {
      return [];
    },
    async remove(id) {
      installed.delete(key(id));
    },
    async flush() {},
    async close() {},
  };
}
