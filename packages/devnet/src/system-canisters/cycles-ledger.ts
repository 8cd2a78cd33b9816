import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { toHex } from '../bytes.js';
import { addCanister } from '../management/management-canister.js';
import type { CandidSettings } from '../management/settings.js';
import { methodNotFound, RejectError, type Reject } from '../reject.js';
import { CyclesLedgerMethods, type CyclesLedgerMethodName } from './cycles-ledger-interface.js';
import { defaultAccount, LedgerBook, type Account } from './ledger-book.js';
import {
  decodeSystemArgs,
  systemCanisterTrap,
  type SystemCanister,
  type SystemCanisterCall,
  type SystemCanisterContext,
  type SystemCanisterOutcome,
} from './system-canister.js';

/** The cycles ledger's mainnet id, where icp-cli, dfx and soulrecall's mainnet path look for it. */
export const CYCLES_LEDGER_ID = Principal.fromText('um5iw-rqaaa-aaaaq-qaaba-cai');
/** The mainnet ledger's fee: 100 million cycles a transaction (deposits included). */
export const CYCLES_LEDGER_FEE = 100_000_000n;
/** ICRC-1's deduplication window and the clock drift it permits. */
const TRANSACTION_WINDOW_NANOS = 24n * 3600n * 1_000_000_000n;
const PERMITTED_DRIFT_NANOS = 2n * 60n * 1_000_000_000n;
const MAX_MEMO_BYTES = 32;

type Args = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A method's reply value, or a trap (the real ledger traps on malformed input, e.g. a bad subaccount). */
type Handled = { value: unknown; accepted?: bigint };

const isLedgerMethod = (method: string): method is CyclesLedgerMethodName => Object.hasOwn(CyclesLedgerMethods, method);
const err = (variant: string, payload: unknown = null) => ({ Err: { [variant]: payload } });

/**
 * The cycles ledger (ICRC-1, ICRC-2, deposit, withdraw, create_canister) as the devnet's own
 * system canister. Balances are devnet state (`cycles-ledger.json`), written before each reply.
 * Every refusal is one of the ledger's typed error variants, never a trap, as on mainnet; only
 * malformed arguments trap. Funding (`fund`) is the devnet's way to give a principal cycles,
 * standing in for mainnet's ICP-to-cycles conversion.
 */
export class CyclesLedger implements SystemCanister {
  readonly id = CYCLES_LEDGER_ID;
  readonly book: LedgerBook;

  constructor(stateDir: string) {
    this.book = new LedgerBook(stateDir);
  }

  isQuery(method: string): boolean {
    return isLedgerMethod(method) && CyclesLedgerMethods[method].query;
  }

  /** Mints cycles into the default account of `owner` (the devnet's faucet); returns the new balance. */
  fund(owner: Principal, cycles: bigint): bigint {
    if (cycles <= 0n) throw new RangeError('cycles to fund must be positive');
    const account = defaultAccount(owner);
    this.book.adjust(account, cycles);
    this.book.appendBlock();
    this.book.save();
    return this.book.balanceOf(account);
  }

  /** Funds `owner` up to `cycles` if it has less (what a network does for its funded principals at start). */
  fundAtLeast(owner: Principal, cycles: bigint): bigint {
    const balance = this.book.balanceOf(defaultAccount(owner));
    return balance >= cycles ? balance : this.fund(owner, cycles - balance);
  }

  async handle(call: SystemCanisterCall, ctx: SystemCanisterContext): Promise<SystemCanisterOutcome> {
    if (!isLedgerMethod(call.method))
      return { kind: 'reject', reject: methodNotFound(this.id.toText(), call.mode, call.method) };
    const type = CyclesLedgerMethods[call.method];
    const decoded = decodeSystemArgs(this.id, type.arg, call.arg);
    if (!Array.isArray(decoded)) return { kind: 'reject', reject: decoded };
    let handled: Handled;
    try {
      handled = await this.dispatch(call, ctx, call.method, (decoded[0] ?? {}) as Args);
    } catch (error) {
      if (error instanceof RejectError) return { kind: 'reject', reject: error.reject };
      throw error;
    }
    return {
      kind: 'reply',
      reply: new Uint8Array(IDL.encode(type.ret, [handled.value])),
      cyclesAccepted: handled.accepted ?? 0n,
    };
  }

  private async dispatch(
    call: SystemCanisterCall,
    ctx: SystemCanisterContext,
    method: CyclesLedgerMethodName,
    args: Args,
  ): Promise<Handled> {
    const now = ctx.timeNanos;
    switch (method) {
      case 'icrc1_balance_of':
        return { value: this.book.balanceOf(this.account(args as Account)) };
      case 'icrc1_fee':
        return { value: CYCLES_LEDGER_FEE };
      case 'icrc1_decimals':
        return { value: 12 };
      case 'icrc1_name':
        return { value: 'Cycles' };
      case 'icrc1_symbol':
        return { value: 'TCYCLES' };
      case 'icrc1_metadata':
        return {
          value: [
            ['icrc1:decimals', { Nat: 12n }],
            ['icrc1:name', { Text: 'Cycles' }],
            ['icrc1:symbol', { Text: 'TCYCLES' }],
            ['icrc1:fee', { Nat: CYCLES_LEDGER_FEE }],
            ['icrc1:max_memo_length', { Nat: BigInt(MAX_MEMO_BYTES) }],
          ],
        };
      case 'icrc1_total_supply':
        return { value: this.book.totalSupply() };
      case 'icrc1_minting_account':
        // The cycles ledger has none: cycles come in by deposit, not by minting transfers.
        return { value: [] };
      case 'icrc1_supported_standards':
        return {
          value: [
            { name: 'ICRC-1', url: 'https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-1' },
            { name: 'ICRC-2', url: 'https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-2' },
          ],
        };
      case 'icrc2_allowance': {
        const { allowance, expiresAt } = this.book.allowance(
          this.account(args.account),
          this.account(args.spender),
          now,
        );
        return { value: { allowance, expires_at: expiresAt === undefined ? [] : [expiresAt] } };
      }
      case 'icrc1_transfer':
        return { value: await this.transfer(call, args, now) };
      case 'icrc2_approve':
        return { value: await this.approve(call, args, now) };
      case 'icrc2_transfer_from':
        return { value: await this.transferFrom(call, args, now) };
      case 'deposit':
        return this.deposit(call, args);
      case 'withdraw':
        return { value: await this.withdraw(call, args, ctx) };
      case 'create_canister':
        return { value: await this.createCanister(call, args, ctx) };
    }
  }

  private transfer(call: SystemCanisterCall, args: Args, now: bigint): Promise<unknown> {
    const from: Account = { owner: call.caller, subaccount: this.subaccount(args.from_subaccount) };
    const to = this.account(args.to);
    return this.transact(call, args, now, () => {
      const refused = this.badFee(args.fee) ?? this.insufficient(from, args.amount + CYCLES_LEDGER_FEE);
      if (refused) return refused;
      this.book.adjust(from, -((args.amount as bigint) + CYCLES_LEDGER_FEE));
      this.book.adjust(to, args.amount);
      return { Ok: this.book.appendBlock() };
    });
  }

  private approve(call: SystemCanisterCall, args: Args, now: bigint): Promise<unknown> {
    const from: Account = { owner: call.caller, subaccount: this.subaccount(args.from_subaccount) };
    const spender = this.account(args.spender);
    return this.transact(call, args, now, () => {
      const expiresAt = args.expires_at[0] as bigint | undefined;
      if (expiresAt !== undefined && expiresAt <= now) return err('Expired', { ledger_time: now });
      const current = this.book.allowance(from, spender, now).allowance;
      const expected = args.expected_allowance[0] as bigint | undefined;
      if (expected !== undefined && expected !== current)
        return err('AllowanceChanged', { current_allowance: current });
      const refused = this.badFee(args.fee) ?? this.insufficient(from, CYCLES_LEDGER_FEE);
      if (refused) return refused;
      this.book.adjust(from, -CYCLES_LEDGER_FEE);
      this.book.setAllowance(from, spender, args.amount, expiresAt);
      return { Ok: this.book.appendBlock() };
    });
  }

  private transferFrom(call: SystemCanisterCall, args: Args, now: bigint): Promise<unknown> {
    const spender: Account = { owner: call.caller, subaccount: this.subaccount(args.spender_subaccount) };
    const from = this.account(args.from);
    const to = this.account(args.to);
    return this.transact(call, args, now, () => {
      const needed = (args.amount as bigint) + CYCLES_LEDGER_FEE;
      const refused = this.badFee(args.fee) ?? this.insufficient(from, needed);
      if (refused) return refused;
      const { allowance, expiresAt } = this.book.allowance(from, spender, now);
      if (allowance < needed) return err('InsufficientAllowance', { allowance });
      this.book.setAllowance(from, spender, allowance - needed, expiresAt);
      this.book.adjust(from, -needed);
      this.book.adjust(to, args.amount);
      return { Ok: this.book.appendBlock() };
    });
  }

  /** Cycles a canister attached to the call, credited to `to` minus the fee; all of them are accepted. */
  private deposit(call: SystemCanisterCall, args: Args): Handled {
    const to = this.account(args.to);
    this.memo(args.memo);
    if (call.cycles < CYCLES_LEDGER_FEE) {
      throw RejectError.from(
        this.trap(
          `The requested amount ${call.cycles} to be deposited is less than the cycles ledger fee: ${CYCLES_LEDGER_FEE}`,
        ),
      );
    }
    this.book.adjust(to, call.cycles - CYCLES_LEDGER_FEE);
    const block = this.book.appendBlock();
    this.book.save();
    return { value: { balance: this.book.balanceOf(to), block_index: block }, accepted: call.cycles };
  }

  /** Sends cycles from the caller's account to a canister of this network. */
  private async withdraw(call: SystemCanisterCall, args: Args, ctx: SystemCanisterContext): Promise<unknown> {
    const from: Account = { owner: call.caller, subaccount: this.subaccount(args.from_subaccount) };
    const receiver = args.to as Principal;
    const result = await this.transact(call, args, ctx.timeNanos, () => {
      if (!isCanisterId(receiver)) return err('InvalidReceiver', { receiver });
      const refused = this.insufficient(from, args.amount + CYCLES_LEDGER_FEE);
      if (refused) return refused;
      const record = ctx.store.get(receiver);
      if (!record) {
        // As on mainnet: the deposit call fails, the fee is kept and the amount stays with the sender.
        this.book.adjust(from, -CYCLES_LEDGER_FEE);
        const feeBlock = this.book.appendBlock();
        return err('FailedToWithdraw', {
          fee_block: [feeBlock],
          rejection_code: { DestinationInvalid: null },
          rejection_reason: `Canister ${receiver.toText()} not found.`,
        });
      }
      this.book.adjust(from, -((args.amount as bigint) + CYCLES_LEDGER_FEE));
      record.cycles += args.amount as bigint;
      ctx.store.changed();
      return { Ok: this.book.appendBlock() };
    });
    // The receiver's new balance is durable before the reply too.
    await ctx.store.flush([receiver]);
    return result;
  }

  /**
   * A canister on this network's subnet with the caller as controller (unless the settings name
   * others) and `amount` cycles, paid with amount plus fee from the caller's account.
   */
  private createCanister(call: SystemCanisterCall, args: Args, ctx: SystemCanisterContext): Promise<unknown> {
    const from: Account = { owner: call.caller, subaccount: this.subaccount(args.from_subaccount) };
    const creation = args.creation_args[0] as
      { settings: [] | [CandidSettings]; subnet_selection: [] | [{ Subnet?: { subnet: Principal } }] } | undefined;
    const subnet = creation?.subnet_selection[0]?.Subnet?.subnet;
    let created: Principal | undefined;
    return this.transact(
      call,
      args,
      ctx.timeNanos,
      async () => {
        const refused = this.insufficient(from, args.amount + CYCLES_LEDGER_FEE);
        if (refused) return refused;
        if (subnet && subnet.compareTo(ctx.network.subnetId) !== 'eq') {
          return err('FailedToCreate', {
            fee_block: [],
            refund_block: [],
            error: `Subnet ${subnet.toText()} does not exist; this network's subnet is ${ctx.network.subnetId.toText()}.`,
          });
        }
        try {
          created = addCanister(
            { ...ctx, caller: call.caller },
            { settings: creation?.settings[0], cycles: args.amount },
          );
        } catch (error) {
          if (error instanceof RejectError)
            return err('FailedToCreate', { fee_block: [], refund_block: [], error: error.message });
          throw error;
        }
        // The canister is durable before the ledger records the payment: a crash between the two costs nothing.
        await ctx.store.flush([created]);
        this.book.adjust(from, -((args.amount as bigint) + CYCLES_LEDGER_FEE));
        return { Ok: { block_id: this.book.appendBlock(), canister_id: created } };
      },
      () => created,
    );
  }

  /**
   * Runs a transaction with ICRC-1's `created_at_time` rules: too old or in the future is refused,
   * and a repeat inside the window is answered `Duplicate` with the first one's block (and, for
   * create_canister, its canister). Saves the book before the reply.
   */
  private async transact(
    call: SystemCanisterCall,
    args: Args,
    now: bigint,
    run: () => unknown,
    createdCanister?: () => Principal | undefined,
  ): Promise<unknown> {
    this.memo(args.memo);
    const refusal = this.refusedByTime(call, args, now);
    if (refusal) return refusal;
    const result = (await run()) as { Ok?: unknown };
    const createdAt = args.created_at_time?.[0] as bigint | undefined;
    if ('Ok' in result && createdAt !== undefined) {
      const block = typeof result.Ok === 'bigint' ? result.Ok : (result.Ok as { block_id: bigint }).block_id;
      this.book.rememberTransaction(
        transactionKey(call),
        { block, atNanos: now, canisterId: createdCanister?.() },
        now - TRANSACTION_WINDOW_NANOS - PERMITTED_DRIFT_NANOS,
      );
    }
    this.book.save();
    return result;
  }

  /** A refusal by time or as a duplicate, if this transaction gets one. */
  private refusedByTime(call: SystemCanisterCall, args: Args, now: bigint): unknown {
    const createdAt = args.created_at_time?.[0] as bigint | undefined;
    if (createdAt === undefined) return undefined;
    if (createdAt + TRANSACTION_WINDOW_NANOS + PERMITTED_DRIFT_NANOS < now) return err('TooOld');
    if (createdAt > now + PERMITTED_DRIFT_NANOS) return err('CreatedInFuture', { ledger_time: now });
    const seen = this.book.seenTransaction(transactionKey(call));
    if (!seen) return undefined;
    if (call.method === 'create_canister')
      return err('Duplicate', { duplicate_of: seen.block, canister_id: seen.canisterId ? [seen.canisterId] : [] });
    return err('Duplicate', { duplicate_of: seen.block });
  }

  private badFee(fee: [] | [bigint]): unknown {
    return fee.length && fee[0] !== CYCLES_LEDGER_FEE ? err('BadFee', { expected_fee: CYCLES_LEDGER_FEE }) : undefined;
  }

  private insufficient(account: Account, needed: bigint): unknown {
    const balance = this.book.balanceOf(account);
    return balance < needed ? err('InsufficientFunds', { balance }) : undefined;
  }

  private account(account: Account): Account {
    return { owner: account.owner, subaccount: this.subaccount(account.subaccount) };
  }

  /** A subaccount is 32 bytes; anything else traps, as the real ledger's decoding does. */
  private subaccount(subaccount: [] | [Uint8Array]): [] | [Uint8Array] {
    if (subaccount.length && subaccount[0].length !== 32)
      throw RejectError.from(this.trap(`invalid subaccount: expected 32 bytes, got ${subaccount[0].length}`));
    return subaccount;
  }

  private memo(memo: [] | [Uint8Array] | undefined): void {
    if (memo?.length && memo[0].length > MAX_MEMO_BYTES)
      throw RejectError.from(this.trap(`memo length exceeds the maximum of ${MAX_MEMO_BYTES} bytes`));
  }

  private trap(message: string): Reject {
    return systemCanisterTrap(this.id, message);
  }
}

/** Deduplication identity: who sent which method with which exact arguments. */
function transactionKey(call: SystemCanisterCall): string {
  return toHex(
    createHash('sha256')
      .update(call.caller.toText())
      .update('\0')
      .update(call.method)
      .update('\0')
      .update(call.arg)
      .digest(),
  );
}

/** Canister ids are opaque principals (last byte 0x01); self-authenticating ones are users. */
const isCanisterId = (principal: Principal): boolean => {
  const bytes = principal.toUint8Array();
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x01;
};
