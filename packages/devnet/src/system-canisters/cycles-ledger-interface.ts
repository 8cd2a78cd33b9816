import { IDL } from '@dfinity/candid';
import { CanisterSettings } from '../management/candid-types.js';

/**
 * The Candid types of the cycles ledger's methods the devnet serves, as dfinity/cycles-ledger's
 * cycles-ledger.did declares them. Creation settings are decoded with the management canister's
 * full settings record: the ledger's record is a prefix of it, so the fields it lacks decode as
 * absent and reach the management code in the shape it takes.
 */
const Subaccount = IDL.Vec(IDL.Nat8);
export const Account = IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(Subaccount) });
const Memo = IDL.Opt(IDL.Vec(IDL.Nat8));
const Timestamp = IDL.Opt(IDL.Nat64);

/** The error cases every ICRC-1/ICRC-2 transaction of the .did shares. */
const transactionErrors = {
  BadFee: IDL.Record({ expected_fee: IDL.Nat }),
  InsufficientFunds: IDL.Record({ balance: IDL.Nat }),
  TooOld: IDL.Null,
  CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
  Duplicate: IDL.Record({ duplicate_of: IDL.Nat }),
  TemporarilyUnavailable: IDL.Null,
  GenericError: IDL.Record({ message: IDL.Text, error_code: IDL.Nat }),
};
const BadBurn = IDL.Record({ min_burn_amount: IDL.Nat });
const TransferError = IDL.Variant({ ...transactionErrors, BadBurn });
const ApproveError = IDL.Variant({
  ...transactionErrors,
  AllowanceChanged: IDL.Record({ current_allowance: IDL.Nat }),
  Expired: IDL.Record({ ledger_time: IDL.Nat64 }),
});
const TransferFromError = IDL.Variant({
  ...transactionErrors,
  BadBurn,
  InsufficientAllowance: IDL.Record({ allowance: IDL.Nat }),
});

const RejectionCode = IDL.Variant({
  NoError: IDL.Null,
  CanisterError: IDL.Null,
  SysTransient: IDL.Null,
  DestinationInvalid: IDL.Null,
  Unknown: IDL.Null,
  SysFatal: IDL.Null,
  CanisterReject: IDL.Null,
});

const WithdrawError = IDL.Variant({
  GenericError: IDL.Record({ message: IDL.Text, error_code: IDL.Nat }),
  TemporarilyUnavailable: IDL.Null,
  FailedToWithdraw: IDL.Record({
    fee_block: IDL.Opt(IDL.Nat),
    rejection_code: RejectionCode,
    rejection_reason: IDL.Text,
  }),
  Duplicate: IDL.Record({ duplicate_of: IDL.Nat }),
  BadFee: IDL.Record({ expected_fee: IDL.Nat }),
  InvalidReceiver: IDL.Record({ receiver: IDL.Principal }),
  CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
  TooOld: IDL.Null,
  InsufficientFunds: IDL.Record({ balance: IDL.Nat }),
});

const SubnetSelection = IDL.Variant({
  Subnet: IDL.Record({ subnet: IDL.Principal }),
  Filter: IDL.Record({ subnet_type: IDL.Opt(IDL.Text) }),
});

const CreateCanisterError = IDL.Variant({
  InsufficientFunds: IDL.Record({ balance: IDL.Nat }),
  TooOld: IDL.Null,
  CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
  TemporarilyUnavailable: IDL.Null,
  Duplicate: IDL.Record({ duplicate_of: IDL.Nat, canister_id: IDL.Opt(IDL.Principal) }),
  FailedToCreate: IDL.Record({ fee_block: IDL.Opt(IDL.Nat), refund_block: IDL.Opt(IDL.Nat), error: IDL.Text }),
  GenericError: IDL.Record({ message: IDL.Text, error_code: IDL.Nat }),
});

const MetadataValue = IDL.Variant({ Nat: IDL.Nat, Int: IDL.Int, Text: IDL.Text, Blob: IDL.Vec(IDL.Nat8) });
const Result = (ok: IDL.Type, err: IDL.Type) => IDL.Variant({ Ok: ok, Err: err });

export interface LedgerMethodType {
  arg: IDL.Type[];
  ret: IDL.Type[];
  query: boolean;
}

export const CyclesLedgerMethods = {
  icrc1_balance_of: { arg: [Account], ret: [IDL.Nat], query: true },
  icrc1_fee: { arg: [], ret: [IDL.Nat], query: true },
  icrc1_decimals: { arg: [], ret: [IDL.Nat8], query: true },
  icrc1_name: { arg: [], ret: [IDL.Text], query: true },
  icrc1_symbol: { arg: [], ret: [IDL.Text], query: true },
  icrc1_metadata: { arg: [], ret: [IDL.Vec(IDL.Tuple(IDL.Text, MetadataValue))], query: true },
  icrc1_total_supply: { arg: [], ret: [IDL.Nat], query: true },
  icrc1_minting_account: { arg: [], ret: [IDL.Opt(Account)], query: true },
  icrc1_supported_standards: { arg: [], ret: [IDL.Vec(IDL.Record({ name: IDL.Text, url: IDL.Text }))], query: true },
  icrc1_transfer: {
    arg: [
      IDL.Record({
        from_subaccount: IDL.Opt(Subaccount),
        to: Account,
        amount: IDL.Nat,
        fee: IDL.Opt(IDL.Nat),
        memo: Memo,
        created_at_time: Timestamp,
      }),
    ],
    ret: [Result(IDL.Nat, TransferError)],
    query: false,
  },
  icrc2_approve: {
    arg: [
      IDL.Record({
        from_subaccount: IDL.Opt(Subaccount),
        spender: Account,
        amount: IDL.Nat,
        expected_allowance: IDL.Opt(IDL.Nat),
        expires_at: Timestamp,
        fee: IDL.Opt(IDL.Nat),
        memo: Memo,
        created_at_time: Timestamp,
      }),
    ],
    ret: [Result(IDL.Nat, ApproveError)],
    query: false,
  },
  icrc2_allowance: {
    arg: [IDL.Record({ account: Account, spender: Account })],
    ret: [IDL.Record({ allowance: IDL.Nat, expires_at: Timestamp })],
    query: true,
  },
  icrc2_transfer_from: {
    arg: [
      IDL.Record({
        spender_subaccount: IDL.Opt(Subaccount),
        from: Account,
        to: Account,
        amount: IDL.Nat,
        fee: IDL.Opt(IDL.Nat),
        memo: Memo,
        created_at_time: Timestamp,
      }),
    ],
    ret: [Result(IDL.Nat, TransferFromError)],
    query: false,
  },
  deposit: {
    arg: [IDL.Record({ to: Account, memo: Memo })],
    ret: [IDL.Record({ balance: IDL.Nat, block_index: IDL.Nat })],
    query: false,
  },
  withdraw: {
    arg: [
      IDL.Record({
        amount: IDL.Nat,
        from_subaccount: IDL.Opt(Subaccount),
        to: IDL.Principal,
        created_at_time: Timestamp,
      }),
    ],
    ret: [Result(IDL.Nat, WithdrawError)],
    query: false,
  },
  create_canister: {
    arg: [
      IDL.Record({
        from_subaccount: IDL.Opt(Subaccount),
        created_at_time: Timestamp,
        amount: IDL.Nat,
        creation_args: IDL.Opt(
          IDL.Record({ settings: IDL.Opt(CanisterSettings), subnet_selection: IDL.Opt(SubnetSelection) }),
        ),
      }),
    ],
    ret: [Result(IDL.Record({ block_id: IDL.Nat, canister_id: IDL.Principal }), CreateCanisterError)],
    query: false,
  },
} satisfies Record<string, LedgerMethodType>;

export type CyclesLedgerMethodName = keyof typeof CyclesLedgerMethods;
