import type { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { CandidService, fromOpt, toOpt } from './candid/service.js';
import { CanisterClientError } from './errors.js';
import { encodeSettings } from './management/management-canister.js';
import type { CanisterSettingsInput } from './management/types.js';
import type { IcTransport } from './transport.js';

/** The cycles ledger on mainnet. */
export const CYCLES_LEDGER_ID = Principal.fromText('um5iw-rqaaa-aaaaq-qaaba-cai');
/** Cycles a new mainnet canister gets when the caller does not say (the ledger charges its fee on top). */
export const DEFAULT_CREATION_CYCLES = 1_000_000_000_000n;

/** The part of dfinity/cycles-ledger's cycles-ledger.did that canister creation needs. */
export const cyclesLedgerIdlFactory: IDL.InterfaceFactory = ({ IDL }) => {
  const account = IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)) });
  const canisterSettings = IDL.Record({
    controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
    compute_allocation: IDL.Opt(IDL.Nat),
    memory_allocation: IDL.Opt(IDL.Nat),
    freezing_threshold: IDL.Opt(IDL.Nat),
    reserved_cycles_limit: IDL.Opt(IDL.Nat),
  });
  const subnetSelection = IDL.Variant({
    Subnet: IDL.Record({ subnet: IDL.Principal }),
    Filter: IDL.Record({ subnet_type: IDL.Opt(IDL.Text) }),
  });
  const createCanisterError = IDL.Variant({
    InsufficientFunds: IDL.Record({ balance: IDL.Nat }),
    TooOld: IDL.Null,
    CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
    TemporarilyUnavailable: IDL.Null,
    Duplicate: IDL.Record({ duplicate_of: IDL.Nat, canister_id: IDL.Opt(IDL.Principal) }),
    FailedToCreate: IDL.Record({ fee_block: IDL.Opt(IDL.Nat), refund_block: IDL.Opt(IDL.Nat), error: IDL.Text }),
    GenericError: IDL.Record({ message: IDL.Text, error_code: IDL.Nat }),
  });
  return IDL.Service({
    icrc1_balance_of: IDL.Func([account], [IDL.Nat], ['query']),
    create_canister: IDL.Func(
      [
        IDL.Record({
          from_subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)),
          created_at_time: IDL.Opt(IDL.Nat64),
          amount: IDL.Nat,
          creation_args: IDL.Opt(
            IDL.Record({ settings: IDL.Opt(canisterSettings), subnet_selection: IDL.Opt(subnetSelection) }),
          ),
        }),
      ],
      [IDL.Variant({ Ok: IDL.Record({ block_id: IDL.Nat, canister_id: IDL.Principal }), Err: createCanisterError })],
      [],
    ),
  });
};

const ledger = new CandidService(cyclesLedgerIdlFactory);

type CreateError =
  | { InsufficientFunds: { balance: bigint } }
  | { TooOld: null }
  | { CreatedInFuture: { ledger_time: bigint } }
  | { TemporarilyUnavailable: null }
  | { Duplicate: { duplicate_of: bigint; canister_id: [] | [Principal] } }
  | { FailedToCreate: { fee_block: [] | [bigint]; refund_block: [] | [bigint]; error: string } }
  | { GenericError: { message: string; error_code: bigint } };

export interface LedgerCreateOptions {
  cycles?: bigint;
  settings?: CanisterSettingsInput;
  /** Pin the subnet (mainnet subnet id). */
  subnet?: Principal;
  /** Deduplication: a retry with the same time returns the canister created the first time. */
  createdAtTimeNanos?: bigint;
}

export interface LedgerCreateResult {
  canisterId: Principal;
  /** The ledger block recording the payment (absent when a duplicate request returned an earlier canister). */
  blockIndex?: bigint;
}

/** Mainnet canister creation, paid from the identity's cycles on the cycles ledger. */
export class CyclesLedger {
  constructor(
    private readonly transport: IcTransport,
    readonly canisterId: Principal = CYCLES_LEDGER_ID,
  ) {}

  async balance(owner: Principal = this.transport.principal): Promise<bigint> {
    const arg = ledger.encodeArgs('icrc1_balance_of', [{ owner, subaccount: [] }]);
    return ledger.decodeReply<bigint>(
      'icrc1_balance_of',
      await this.transport.query({ canisterId: this.canisterId, method: 'icrc1_balance_of', arg }),
    );
  }

  async createCanister(options: LedgerCreateOptions = {}): Promise<LedgerCreateResult> {
    const settings = encodeSettings(options.settings);
    // The ledger's settings record predates the newer fields; send only the ones it knows.
    const { controllers, compute_allocation, memory_allocation, freezing_threshold, reserved_cycles_limit } = settings;
    const arg = ledger.encodeArgs('create_canister', [
      {
        from_subaccount: [],
        created_at_time: [options.createdAtTimeNanos ?? BigInt(Date.now()) * 1_000_000n],
        amount: options.cycles ?? DEFAULT_CREATION_CYCLES,
        creation_args: [
          {
            settings: [
              { controllers, compute_allocation, memory_allocation, freezing_threshold, reserved_cycles_limit },
            ],
            subnet_selection: toOpt(options.subnet === undefined ? undefined : { Subnet: { subnet: options.subnet } }),
          },
        ],
      },
    ]);
    const reply = ledger.decodeReply<{ Ok: { block_id: bigint; canister_id: Principal } } | { Err: CreateError }>(
      'create_canister',
      await this.transport.update({ canisterId: this.canisterId, method: 'create_canister', arg }),
    );
    if ('Ok' in reply) return { canisterId: reply.Ok.canister_id, blockIndex: reply.Ok.block_id };
    return this.failure(reply.Err, options.cycles ?? DEFAULT_CREATION_CYCLES);
  }

  private failure(error: CreateError, cycles: bigint): LedgerCreateResult {
    if ('Duplicate' in error) {
      const canisterId = fromOpt(error.Duplicate.canister_id);
      if (canisterId) return { canisterId }; // the same request already created it: idempotent retry
      throw new CanisterClientError(
        'CYCLES_LEDGER_ERROR',
        `The cycles ledger saw this request before (block ${error.Duplicate.duplicate_of}) without creating a canister`,
        {
          details: { ledgerError: 'Duplicate' },
        },
      );
    }
    if ('InsufficientFunds' in error) {
      throw new CanisterClientError(
        'INSUFFICIENT_CYCLES',
        `Not enough cycles on the cycles ledger: balance ${error.InsufficientFunds.balance}, needed ${cycles} plus the fee`,
        {
          hint: `Top up ${this.transport.principal.toText()} on the cycles ledger (e.g. \`dfx cycles convert\` or \`dfx cycles top-up\`), or ask for fewer cycles.`,
          details: {
            ledgerError: 'InsufficientFunds',
            balance: error.InsufficientFunds.balance.toString(),
            needed: cycles.toString(),
          },
        },
      );
    }
    const [name, payload] = Object.entries(error)[0] as [string, unknown];
    const text =
      'FailedToCreate' in error
        ? error.FailedToCreate.error
        : 'GenericError' in error
          ? error.GenericError.message
          : name;
    throw new CanisterClientError('CYCLES_LEDGER_ERROR', `The cycles ledger could not create the canister: ${text}`, {
      hint:
        name === 'TemporarilyUnavailable' || name === 'TooOld' || name === 'CreatedInFuture'
          ? 'Try again; check the system clock if it persists.'
          : undefined,
      details: {
        ledgerError: name,
        payload: JSON.parse(JSON.stringify(payload ?? null, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))),
      },
    });
  }
}
