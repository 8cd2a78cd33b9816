import { Principal } from '@dfinity/principal';
import { nowNanos, toHex } from './bytes.js';
import type { Certifier } from './crypto/certifier.js';
import { CallContext, didNotReply, OpenCallContexts, type ExecutionResult, type Responder } from './call-context.js';
import type {
  CallbackOutcome,
  CallEffects,
  CallResponse,
  ExecutionEngine,
  MessageOutcome,
  OutgoingCall,
} from './execution/types.js';
import { KeyedMutex } from './keyed-mutex.js';
import {
  callManagement,
  cyclesKeptBy,
  decodeManagementArg,
  finishStop,
  managementTarget,
} from './management/management-canister.js';
import { messageContext, type NetworkIdentity } from './message-context.js';
import { ErrorCodes, makeReject, methodNotFound, RejectError, type Reject } from './reject.js';
import type { CanisterRecord } from './state/canister-record.js';
import type { CanisterStore } from './state/canister-store.js';
import { SystemCanisters, type SystemCanister } from './system-canisters/system-canister.js';

export type { ExecutionResult } from './call-context.js';

/** The spec's SYS_UNKNOWN: a bounded-wait call whose response did not come in time. */
const SYS_UNKNOWN = 6;
const NANOS_PER_SECOND = 1_000_000_000n;
const NO_EFFECTS: CallEffects = { calls: [], cyclesAccepted: 0n };

/** How a message of a call context ended, as far as the context is concerned. */
interface MessageEnd {
  logs: MessageOutcome['logs'];
  effects: CallEffects;
  /** The context's response, when the message gave one (a reply, a reject, the trap of the call itself). */
  response?: ExecutionResult;
  /** A callback's trap: the context's reject if it closes without a response. */
  trap?: Reject;
}

/** A RejectError's reject; anything else is an internal error of the devnet. */
function resultOfError(error: unknown): ExecutionResult {
  if (error instanceof RejectError) return { kind: 'reject', reject: error.reject };
  return { kind: 'reject', reject: internalError(error) };
}

function internalError(error: unknown): Reject {
  return makeReject(521, `Internal error of the devnet: ${(error as Error)?.message ?? String(error)}`);
}

function rejectOf(outcome: { rejectCode: number; rejectMessage: string; errorCode: string }): Reject {
  return { rejectCode: outcome.rejectCode, rejectMessage: outcome.rejectMessage, errorCode: outcome.errorCode };
}

function messageEnd(outcome: MessageOutcome): MessageEnd {
  const effects = outcome.effects ?? NO_EFFECTS;
  if (outcome.kind === 'reply')
    return { logs: outcome.logs, effects, response: { kind: 'reply', reply: outcome.reply } };
  if (outcome.kind === 'reject')
    return { logs: outcome.logs, effects, response: { kind: 'reject', reject: rejectOf(outcome) } };
  return { logs: outcome.logs, effects };
}

function callbackEnd(outcome: CallbackOutcome): MessageEnd {
  const { logs, effects } = outcome;
  if (outcome.kind === 'reply') return { logs, effects, response: { kind: 'reply', reply: outcome.reply } };
  if (outcome.kind === 'reject')
    return {
      logs,
      effects,
      response: { kind: 'reject', reject: makeReject(ErrorCodes.CanisterRejectedMessage, outcome.rejectMessage) },
    };
  if (outcome.kind === 'trapped') return { logs, effects, trap: rejectOf(outcome) };
  return { logs, effects };
}

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
  private readonly openContexts = new OpenCallContexts();

  constructor(
    readonly store: CanisterStore,
    readonly engine: ExecutionEngine,
    private readonly certifier: Certifier,
    private readonly network: NetworkIdentity,
    readonly systemCanisters: SystemCanisters = new SystemCanisters(),
  ) {}

  /**
   * Executes an ingress update call (replicated): each message it causes keeps its effects unless
   * it traps. Resolves with the response, once the canister gives it (perhaps after the calls it
   * makes to other canisters have been answered).
   */
  executeCall(message: CanisterMessage): Promise<ExecutionResult> {
    return new Promise((resolve) => this.deliver(message, 0n, 0n, (result) => resolve(result)));
  }

  /** Delivers a call, from a user or a canister, to its callee; `respond` gets the response and the cycles not kept. */
  private deliver(message: CanisterMessage, cycles: bigint, deadlineNanos: bigint, respond: Responder): void {
    if (message.canisterId.toUint8Array().length === 0) {
      void this.callManagementCanister(message, 'update', cycles).then(({ result, refund }) => respond(result, refund));
      return;
    }
    const system = this.systemCanisters.get(message.canisterId);
    if (system) {
      void this.callSystemCanister(system, message, 'update', cycles).then(({ result, refund }) =>
        respond(result, refund),
      );
      return;
    }
    void this.mutex.run(message.canisterId.toText(), async () => {
      const context = new CallContext(message.canisterId, message.sender, cycles, deadlineNanos, respond);
      try {
        const { record, outcome } = await this.runUpdate(message, context);
        await this.finishMessage(record, context, messageEnd(outcome), true);
      } catch (error) {
        context.respond(resultOfError(error));
      }
    });
  }

  /**
   * What follows a committed message of a call context: its log lines and cycles are persisted,
   * its response given, its calls sent; the context closes once it has nothing outstanding.
   */
  private async finishMessage(
    record: CanisterRecord,
    context: CallContext,
    end: MessageEnd,
    opensContext: boolean,
  ): Promise<void> {
    this.store.appendLogs(record, end.logs);
    const sent = end.effects.calls.reduce((sum, call) => sum + call.cycles, 0n);
    if (end.effects.cyclesAccepted !== 0n || sent !== 0n) {
      record.cycles += end.effects.cyclesAccepted - sent;
      context.cyclesAvailable -= end.effects.cyclesAccepted;
      this.store.changed();
    }
    // Durable before anything leaves, as a replica commits state before it certifies a reply.
    await this.store.flush([record.id]);
    if (opensContext) this.openContexts.opened(record.id);
    if (end.response) context.respond(end.response);
    for (const call of end.effects.calls) this.perform(context, call);
    if (context.closeIfDone(end.trap)) this.openContexts.closed(record.id);
  }

  /** Sends a call a canister performed; its response (or a bounded-wait timeout) runs the caller's callback. */
  private perform(context: CallContext, call: OutgoingCall): void {
    context.outstandingCalls++;
    const deadlineNanos =
      call.timeoutSeconds === undefined ? 0n : nowNanos() + BigInt(call.timeoutSeconds) * NANOS_PER_SECOND;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const onResponse: Responder = (result, refund) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      void this.mutex.run(context.canister.toText(), () => this.runCallback(context, call, result, refund));
    };
    if (call.timeoutSeconds !== undefined) {
      // Cycles the callee did not accept are lost with a timed-out call, as the spec allows.
      const timeout = makeReject(
        SYS_UNKNOWN * 100,
        `Timeout expired: the call to ${call.method} got no response within ${call.timeoutSeconds} s.`,
      );
      timer = setTimeout(() => onResponse({ kind: 'reject', reject: timeout }, 0n), call.timeoutSeconds * 1000);
    }
    let callee: Principal;
    try {
      callee = Principal.fromUint8Array(call.callee);
    } catch {
      onResponse(
        {
          kind: 'reject',
          reject: makeReject(
            ErrorCodes.CanisterNotFound,
            `Canister ${toHex(call.callee)} not found: not a valid principal.`,
          ),
        },
        call.cycles,
      );
      return;
    }
    this.deliver(
      { sender: context.canister, canisterId: callee, methodName: call.method, arg: call.arg },
      call.cycles,
      deadlineNanos,
      onResponse,
    );
  }

  /** Runs the caller's reply or reject callback for a response, as the next message of its call context. */
  private async runCallback(
    context: CallContext,
    call: OutgoingCall,
    result: ExecutionResult,
    refunded: bigint,
  ): Promise<void> {
    context.outstandingCalls--;
    const record = this.store.get(context.canister);
    // A deleted canister's calls are answered to no one.
    if (!record) return;
    if (refunded !== 0n) {
      record.cycles += refunded;
      this.store.changed();
    }
    const response: CallResponse =
      result.kind === 'reply'
        ? { kind: 'reply', data: result.reply }
        : { kind: 'reject', rejectCode: result.reject.rejectCode, rejectMessage: result.reject.rejectMessage };
    const messageContextOfCallback = {
      ...messageContext(this.network, record, context.caller, nowNanos()),
      cyclesAvailable: context.cyclesAvailable,
      deadlineNanos: context.deadlineNanos,
      responded: context.responded,
    };
    let end: MessageEnd;
    try {
      end = callbackEnd(
        await this.engine.callback(record.id.toUint8Array(), { call, response, refunded }, messageContextOfCallback),
      );
    } catch (error) {
      end = { logs: [], effects: NO_EFFECTS, trap: internalError(error) };
    }
    await this.finishMessage(record, context, end, false);
  }

  /** Executes a query: never changes state. */
  async executeQuery(message: CanisterMessage): Promise<ExecutionResult> {
    if (message.canisterId.toUint8Array().length === 0)
      return (await this.callManagementCanister(message, 'query', 0n)).result;
    const system = this.systemCanisters.get(message.canisterId);
    if (system) return (await this.callSystemCanister(system, message, 'query', 0n)).result;
    return this.guard(() => this.runQuery(message));
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
        // Checked for each task: the timer may have stopped the canister (a call to the management canister, once calls
        // run).
        const record = this.store.get(id);
        if (record?.status !== 'running') break;
        // The spec's caller of a system task is the management canister; the engine checks again that the task is due
        // then.
        const outcome = await this.engine.runSystemTask(
          bytes,
          task,
          messageContext(this.network, record, Principal.managementCanister(), nowNanos()),
        );
        if (!outcome) continue;
        if (outcome.kind === 'completed' && outcome.effects.calls.length > 0) {
          // The calls of a system task get a call context of their own, which answers no one.
          const context = new CallContext(id, Principal.managementCanister(), 0n, 0n, () => undefined);
          await this.finishMessage(record, context, { logs: outcome.logs, effects: outcome.effects }, true);
          continue;
        }
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

  /**
   * A call to the management canister, from a user or from a canister (then `message.sender`, the
   * canister, is the caller controller checks see, and `cycles` are what it attached). `refund`:
   * the attached cycles the method did not keep.
   */
  private async callManagementCanister(
    message: CanisterMessage,
    mode: 'update' | 'query',
    cycles: bigint,
  ): Promise<{ result: ExecutionResult; refund: bigint }> {
    let target: Principal | undefined;
    let args: Record<string, unknown>;
    try {
      args = decodeManagementArg(message.methodName, message.arg);
      target = managementTarget(message.methodName, args);
      const specified = (args.specified_id as [Principal] | [] | undefined)?.[0];
      // A system canister's id is taken, as on mainnet; a record there would never be reached.
      if (specified && this.systemCanisters.get(specified)) {
        throw new RejectError(
          ErrorCodes.CanisterIdAlreadyExists,
          `Canister ${specified.toText()} is already installed.`,
        );
      }
    } catch (error) {
      return { result: await this.guard(() => Promise.reject(error)), refund: cycles };
    }
    const context = () => ({
      store: this.store,
      engine: this.engine,
      network: this.network,
      caller: message.sender,
      timeNanos: nowNanos(),
      cycles,
    });
    const run = () =>
      this.guard(async () => {
        const reply = await callManagement(context(), message.methodName, args, mode);
        return { kind: 'reply', reply } as const;
      });
    if (mode === 'query') return { result: await run(), refund: cycles };
    // Operations on a canister wait for its running message; creations share one queue so ids stay sequential.
    let result = await this.mutex.run(target ? target.toText() : 'aaaaa-aa', run);
    if (result.kind === 'reply' && message.methodName === 'stop_canister' && target) {
      // Stopping lasts until the canister's open call contexts have closed (their callbacks need its queue).
      await this.openContexts.whenNoneOpen(target);
      result = await this.mutex.run(target.toText(), () =>
        this.guard(async () => ({ kind: 'reply', reply: await finishStop(context(), target) }) as const),
      );
    }
    const kept = result.kind === 'reply' && cyclesKeptBy(message.methodName);
    return { result, refund: kept ? 0n : cycles };
  }

  /**
   * A call to a system canister: from a user (no cycles) or a canister; updates to one run one at a time, as any
   * canister's.
   */
  private async callSystemCanister(
    canister: SystemCanister,
    message: CanisterMessage,
    mode: 'update' | 'query',
    cycles: bigint,
  ): Promise<{ result: ExecutionResult; refund: bigint }> {
    const idText = canister.id.toText();
    let accepted = 0n;
    const run = () =>
      this.guard(async () => {
        if (mode === 'query' && !canister.isQuery(message.methodName)) {
          throw RejectError.from(methodNotFound(idText, 'query', message.methodName));
        }
        const context = { store: this.store, engine: this.engine, network: this.network, timeNanos: nowNanos() };
        const outcome = await canister.handle(
          { caller: message.sender, method: message.methodName, arg: message.arg, cycles, mode },
          context,
        );
        if (outcome.kind !== 'reply') return outcome;
        accepted = outcome.cyclesAccepted;
        return { kind: 'reply', reply: outcome.reply } as const;
      });
    const result = mode === 'query' ? await run() : await this.mutex.run(idText, run);
    return { result, refund: cycles - accepted };
  }

  /** The canister a message is for, if it can take one: running, with code (a replica's rejects otherwise). */
  private callee(message: CanisterMessage): {
    record: CanisterRecord;
    bytes: Uint8Array;
    methods: ReturnType<ExecutionEngine['methods']>;
  } {
    const id = message.canisterId;
    const record = this.store.require(id);
    if (record.status !== 'running') {
      throw new RejectError(
        ErrorCodes.CanisterStopped,
        `Canister ${id.toText()} is ${record.status} and therefore does not accept new calls.`,
      );
    }
    const bytes = id.toUint8Array();
    if (!this.engine.hasCode(bytes)) {
      throw new RejectError(
        ErrorCodes.CanisterWasmModuleNotFound,
        `Error from Canister ${id.toText()}: Attempted to execute a message, but the canister contains no Wasm module.`,
      );
    }
    return { record, bytes, methods: this.engine.methods(bytes) };
  }

  /**
   * The first message of a call context: an update method, or a query method run as an update (which keeps nothing).
   */
  private async runUpdate(
    message: CanisterMessage,
    context: CallContext,
  ): Promise<{ record: CanisterRecord; outcome: MessageOutcome }> {
    const { record, bytes, methods } = this.callee(message);
    const idText = message.canisterId.toText();
    const isUpdate = methods.updates.includes(message.methodName);
    const isQuery = methods.queries.includes(message.methodName);
    if (methods.compositeQueries.includes(message.methodName) && !isUpdate) {
      throw new RejectError(527, `Error from Canister ${idText}: Composite query cannot be called in replicated mode.`);
    }
    if (!isUpdate && !isQuery) throw RejectError.from(methodNotFound(idText, 'update', message.methodName));
    const messageCtx = {
      ...messageContext(this.network, record, message.sender, nowNanos()),
      cyclesAvailable: context.cyclesAvailable,
      deadlineNanos: context.deadlineNanos,
    };
    const outcome = isUpdate
      ? await this.engine.update(bytes, message.methodName, message.arg, messageCtx)
      : await this.engine.query(bytes, message.methodName, message.arg, messageCtx);
    return { record, outcome };
  }

  private async runQuery(message: CanisterMessage): Promise<ExecutionResult> {
    const { bytes, methods, record } = this.callee(message);
    if (!methods.queries.includes(message.methodName) && !methods.compositeQueries.includes(message.methodName)) {
      throw RejectError.from(methodNotFound(message.canisterId.toText(), 'query', message.methodName));
    }
    const context = messageContext(
      this.network,
      record,
      message.sender,
      nowNanos(),
      this.dataCertificate(message.canisterId),
    );
    const outcome = await this.engine.query(bytes, message.methodName, message.arg, context);
    if (outcome.kind === 'reply') return { kind: 'reply', reply: outcome.reply };
    if (outcome.kind === 'reject') return { kind: 'reject', reject: rejectOf(outcome) };
    return { kind: 'reject', reject: didNotReply(message.canisterId) };
  }

  /** A certificate of the canister's certified data for queries; reused while the data is unchanged and fresh. */
  private dataCertificate(id: Principal): Uint8Array {
    const data = this.engine.certifiedData(id.toUint8Array());
    const key = id.toText();
    const cached = this.dataCertificates.get(key);
    if (cached && cached.certifiedData === toHex(data) && Date.now() - cached.at < DATA_CERTIFICATE_TTL_MS)
      return cached.certificate;
    const certificate = this.certifier.certify([
      { path: ['canister', id.toUint8Array(), 'certified_data'], value: data },
    ]);
    this.dataCertificates.set(key, { certifiedData: toHex(data), certificate, at: Date.now() });
    return certificate;
  }

  /** Turns a RejectError into a reject outcome; anything else is an internal error of the devnet. */
  private async guard(task: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    try {
      return await task();
    } catch (error) {
      return resultOfError(error);
    }
  }
}
