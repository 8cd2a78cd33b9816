import { Principal } from '@dfinity/principal';
import { nowNanos, toHex } from './bytes.js';
import type { Certifier } from './crypto/certifier.js';
import type { ExecutionEngine, MessageOutcome } from './execution/types.js';
import { KeyedMutex } from './keyed-mutex.js';
import { callManagement, decodeManagementArg, managementTarget } from './management/management-canister.js';
import { messageContext, type NetworkIdentity } from './message-context.js';
import { ErrorCodes, makeReject, methodNotFound, RejectError, type Reject } from './reject.js';
import type { CanisterStore } from './state/canister-store.js';
import { SystemCanisters, type SystemCanister } from './system-canisters/system-canister.js';

export type ExecutionResult = { kind: 'reply'; reply: Uint8Array } | { kind: 'reject'; reject: Reject };

export interface CanisterMessage {
  sender: Principal;
  canisterId: Principal;
  methodName: string;
  arg: Uint8Array;
}

/** How long a certificate offered to queries through ic0.data_certificate_* stays in use. */
const DATA_CERTIFICATE_TTL_MS = 30_000;

/**
 * Executes messages: management methods and canister methods through the execution engine.
 * A canister runs one update (or management operation on it) at a time; queries run beside them.
 */
export class Subnet {
  private readonly mutex = new KeyedMutex();
  private readonly dataCertificates = new Map<string, { certifiedData: string; certificate: Uint8Array; at: number }>();

  constructor(
    readonly store: CanisterStore,
    readonly engine: ExecutionEngine,
    private readonly certifier: Certifier,
    private readonly network: NetworkIdentity,
    readonly systemCanisters: SystemCanisters = new SystemCanisters(),
  ) {}

  /** Executes an update call (replicated): its effects are kept unless it traps. */
  async executeCall(message: CanisterMessage): Promise<ExecutionResult> {
    if (message.canisterId.toUint8Array().length === 0) return this.callManagementCanister(message, 'update');
    const system = this.systemCanisters.get(message.canisterId);
    if (system) return this.callSystemCanister(system, message, 'update');
    return this.mutex.run(message.canisterId.toText(), () => this.guard(() => this.runCanister(message, 'update')));
  }

  /** Executes a query: never changes state. */
  async executeQuery(message: CanisterMessage): Promise<ExecutionResult> {
    if (message.canisterId.toUint8Array().length === 0) return this.callManagementCanister(message, 'query');
    const system = this.systemCanisters.get(message.canisterId);
    if (system) return this.callSystemCanister(system, message, 'query');
    return this.guard(() => this.runCanister(message, 'query'));
  }

  /**
   * Runs the canister's due system tasks (global timer, then heartbeat), each one message that
   * keeps its effects unless it traps, after its running message like any other. A trap is in
   * the canister's log; nothing is answered to anyone. Durable like an update before it returns.
   */
  runSystemTasks(id: Principal): Promise<void> {
    return this.mutex.run(id.toText(), async () => {
      const bytes = id.toUint8Array();
      let ran = false;
      for (const task of this.engine.systemTasksDue(bytes, nowNanos())) {
        // Checked for each task: the timer may have stopped the canister (a call to the management canister, once calls run).
        const record = this.store.get(id);
        if (record?.status !== 'running') break;
        // The spec's caller of a system task is the management canister; the engine checks again that the task is due then.
        const outcome = await this.engine.runSystemTask(bytes, task, messageContext(this.network, record, Principal.managementCanister(), nowNanos()));
        if (!outcome) continue;
        this.store.appendLogs(record, outcome.logs);
        ran = true;
      }
      if (ran) await this.store.flush([id]);
    });
  }

  /** Resolves when no message is executing or queued. */
  idle(): Promise<void> {
    return this.mutex.idle();
  }

  private async callManagementCanister(message: CanisterMessage, mode: 'update' | 'query'): Promise<ExecutionResult> {
    let target: Principal | undefined;
    let args: Record<string, unknown>;
    try {
      args = decodeManagementArg(message.methodName, message.arg);
      target = managementTarget(message.methodName, args);
      const specified = (args.specified_id as [Principal] | [] | undefined)?.[0];
      // A system canister's id is taken, as on mainnet; a record there would never be reached.
      if (specified && this.systemCanisters.get(specified)) {
        throw new RejectError(ErrorCodes.CanisterIdAlreadyExists, `Canister ${specified.toText()} is already installed.`);
      }
    } catch (error) {
      return this.guard(() => Promise.reject(error));
    }
    const run = () =>
      this.guard(async () => {
        const reply = await callManagement({ store: this.store, engine: this.engine, network: this.network, caller: message.sender, timeNanos: nowNanos() }, message.methodName, args, mode);
        return { kind: 'reply', reply } as const;
      });
    if (mode === 'query') return run();
    // Operations on a canister wait for its running message; creations share one queue so ids stay sequential.
    return this.mutex.run(target ? target.toText() : 'aaaaa-aa', run);
  }

  /** An ingress message to a system canister: no cycles attached; updates to one run one at a time, as any canister's. */
  private callSystemCanister(canister: SystemCanister, message: CanisterMessage, mode: 'update' | 'query'): Promise<ExecutionResult> {
    const idText = canister.id.toText();
    const run = () =>
      this.guard(async () => {
        if (mode === 'query' && !canister.isQuery(message.methodName)) {
          throw RejectError.from(methodNotFound(idText, 'query', message.methodName));
        }
        const context = { store: this.store, engine: this.engine, network: this.network, timeNanos: nowNanos() };
        const outcome = await canister.handle({ caller: message.sender, method: message.methodName, arg: message.arg, cycles: 0n, mode }, context);
        return outcome.kind === 'reply' ? { kind: 'reply', reply: outcome.reply } : outcome;
      });
    return mode === 'query' ? run() : this.mutex.run(idText, run);
  }

  private async runCanister(message: CanisterMessage, mode: 'update' | 'query'): Promise<ExecutionResult> {
    const id = message.canisterId;
    const idText = id.toText();
    const record = this.store.require(id);
    if (record.status !== 'running') {
      throw new RejectError(ErrorCodes.CanisterStopped, `Canister ${idText} is ${record.status} and therefore does not accept new calls.`);
    }
    const bytes = id.toUint8Array();
    if (!this.engine.hasCode(bytes)) {
      throw new RejectError(ErrorCodes.CanisterWasmModuleNotFound, `Error from Canister ${idText}: Attempted to execute a message, but the canister contains no Wasm module.`);
    }
    const methods = this.engine.methods(bytes);
    const isUpdate = methods.updates.includes(message.methodName);
    const isQuery = methods.queries.includes(message.methodName);
    const isComposite = methods.compositeQueries.includes(message.methodName);
    let outcome: MessageOutcome;
    if (mode === 'update') {
      if (isComposite && !isUpdate) {
        throw new RejectError(527, `Error from Canister ${idText}: Composite query cannot be called in replicated mode.`);
      }
      if (!isUpdate && !isQuery) {
        throw RejectError.from(methodNotFound(idText, 'update', message.methodName));
      }
      const context = messageContext(this.network, record, message.sender, nowNanos());
      outcome = isUpdate
        ? await this.engine.update(bytes, message.methodName, message.arg, context)
        : await this.engine.query(bytes, message.methodName, message.arg, context);
      // Durable before the reply, as a replica commits state before it certifies a reply: the
      // message's log lines, then the pages of Wasm state it changed.
      this.store.appendLogs(record, outcome.logs);
      await this.store.flush([id]);
    } else {
      if (!isQuery && !isComposite) {
        throw RejectError.from(methodNotFound(idText, 'query', message.methodName));
      }
      const context = messageContext(this.network, record, message.sender, nowNanos(), this.dataCertificate(id));
      outcome = await this.engine.query(bytes, message.methodName, message.arg, context);
    }
    if (outcome.kind === 'reply') return { kind: 'reply', reply: outcome.reply };
    return { kind: 'reject', reject: { rejectCode: outcome.rejectCode, rejectMessage: outcome.rejectMessage, errorCode: outcome.errorCode } };
  }

  /** A certificate of the canister's certified data for queries; reused while the data is unchanged and fresh. */
  private dataCertificate(id: Principal): Uint8Array {
    const data = this.engine.certifiedData(id.toUint8Array());
    const key = id.toText();
    const cached = this.dataCertificates.get(key);
    if (cached && cached.certifiedData === toHex(data) && Date.now() - cached.at < DATA_CERTIFICATE_TTL_MS) return cached.certificate;
    const certificate = this.certifier.certify([{ path: ['canister', id.toUint8Array(), 'certified_data'], value: data }]);
    this.dataCertificates.set(key, { certifiedData: toHex(data), certificate, at: Date.now() });
    return certificate;
  }

  /** Turns a RejectError into a reject outcome; anything else is an internal error of the devnet. */
  private async guard(task: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    try {
      return await task();
    } catch (error) {
      if (error instanceof RejectError) return { kind: 'reject', reject: error.reject };
      return { kind: 'reject', reject: makeReject(521, `Internal error of the devnet: ${(error as Error)?.message ?? String(error)}`) };
    }
  }
}
