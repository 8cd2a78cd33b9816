import { expect } from 'chai';
import { Actor, type ActorMethod, type ActorSubclass, type HttpAgent, type SignIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { nowNanos } from '../src/bytes.js';
import { loadOrCreateNetworkKeys } from '../src/crypto/network-keys.js';
import { startDevnetWithEngine, type Devnet } from '../src/devnet.js';
import { fundPrincipal, parseCyclesAmount } from '../src/network-control.js';
import { CanisterStore } from '../src/state/canister-store.js';
import { CYCLES_LEDGER_FEE, CYCLES_LEDGER_ID, CyclesLedger } from '../src/system-canisters/cycles-ledger.js';
import type { SystemCanisterContext } from '../src/system-canisters/system-canister.js';
import { createEchoEngine } from './support/echo-engine.js';
import { makeAgent, makeTempDir, management, newIdentity, removeDir } from './support/fixtures.js';

/**
 * The client's view of the cycles ledger, written from dfinity/cycles-ledger's cycles-ledger.did
 * for these tests (not the devnet's own types, so a mismatch between the two shows).
 */
const ledgerIdl: IDL.InterfaceFactory = ({ IDL }) => {
  const account = IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)) });
  const anyError = IDL.Variant({
    BadFee: IDL.Record({ expected_fee: IDL.Nat }),
    InsufficientFunds: IDL.Record({ balance: IDL.Nat }),
    InsufficientAllowance: IDL.Record({ allowance: IDL.Nat }),
    AllowanceChanged: IDL.Record({ current_allowance: IDL.Nat }),
    TooOld: IDL.Null,
    CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
    Duplicate: IDL.Record({ duplicate_of: IDL.Nat, canister_id: IDL.Opt(IDL.Principal) }),
    FailedToCreate: IDL.Record({ fee_block: IDL.Opt(IDL.Nat), refund_block: IDL.Opt(IDL.Nat), error: IDL.Text }),
    FailedToWithdraw: IDL.Record({ fee_block: IDL.Opt(IDL.Nat), rejection_reason: IDL.Text }),
    InvalidReceiver: IDL.Record({ receiver: IDL.Principal }),
  });
  const blockOr = IDL.Variant({ Ok: IDL.Nat, Err: anyError });
  const optBytes = IDL.Opt(IDL.Vec(IDL.Nat8));
  return IDL.Service({
    icrc1_balance_of: IDL.Func([account], [IDL.Nat], ['query']),
    icrc1_fee: IDL.Func([], [IDL.Nat], ['query']),
    icrc1_decimals: IDL.Func([], [IDL.Nat8], ['query']),
    icrc1_symbol: IDL.Func([], [IDL.Text], ['query']),
    icrc1_total_supply: IDL.Func([], [IDL.Nat], ['query']),
    icrc1_supported_standards: IDL.Func([], [IDL.Vec(IDL.Record({ name: IDL.Text, url: IDL.Text }))], ['query']),
    icrc1_transfer: IDL.Func(
      [
        IDL.Record({
          from_subaccount: optBytes,
          to: account,
          amount: IDL.Nat,
          fee: IDL.Opt(IDL.Nat),
          memo: optBytes,
          created_at_time: IDL.Opt(IDL.Nat64),
        }),
      ],
      [blockOr],
      [],
    ),
    icrc2_approve: IDL.Func(
      [
        IDL.Record({
          from_subaccount: optBytes,
          spender: account,
          amount: IDL.Nat,
          expected_allowance: IDL.Opt(IDL.Nat),
          expires_at: IDL.Opt(IDL.Nat64),
          fee: IDL.Opt(IDL.Nat),
          memo: optBytes,
          created_at_time: IDL.Opt(IDL.Nat64),
        }),
      ],
      [blockOr],
      [],
    ),
    icrc2_allowance: IDL.Func(
      [IDL.Record({ account, spender: account })],
      [IDL.Record({ allowance: IDL.Nat, expires_at: IDL.Opt(IDL.Nat64) })],
      ['query'],
    ),
    icrc2_transfer_from: IDL.Func(
      [
        IDL.Record({
          spender_subaccount: optBytes,
          from: account,
          to: account,
          amount: IDL.Nat,
          fee: IDL.Opt(IDL.Nat),
          memo: optBytes,
          created_at_time: IDL.Opt(IDL.Nat64),
        }),
      ],
      [blockOr],
      [],
    ),
    withdraw: IDL.Func(
      [
        IDL.Record({
          amount: IDL.Nat,
          from_subaccount: optBytes,
          to: IDL.Principal,
          created_at_time: IDL.Opt(IDL.Nat64),
        }),
      ],
      [blockOr],
      [],
    ),
    deposit: IDL.Func(
      [IDL.Record({ to: account, memo: optBytes })],
      [IDL.Record({ balance: IDL.Nat, block_index: IDL.Nat })],
      [],
    ),
    create_canister: IDL.Func(
      [
        IDL.Record({
          from_subaccount: optBytes,
          created_at_time: IDL.Opt(IDL.Nat64),
          amount: IDL.Nat,
          creation_args: IDL.Opt(
            IDL.Record({
              settings: IDL.Opt(
                IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)), freezing_threshold: IDL.Opt(IDL.Nat) }),
              ),
              subnet_selection: IDL.Opt(IDL.Variant({ Subnet: IDL.Record({ subnet: IDL.Principal }) })),
            }),
          ),
        }),
      ],
      [IDL.Variant({ Ok: IDL.Record({ block_id: IDL.Nat, canister_id: IDL.Principal }), Err: anyError })],
      [],
    ),
  });
};

type Ledger = ActorSubclass<Record<string, ActorMethod<any[], any>>>;

const T = 1_000_000_000_000n;
const account = (owner: Principal) => ({ owner, subaccount: [] });
const transferArgs = (to: Principal, amount: bigint, extra: Record<string, unknown> = {}) => ({
  from_subaccount: [],
  to: account(to),
  amount,
  fee: [],
  memo: [],
  created_at_time: [],
  ...extra,
});
const createArgs = (amount: bigint, extra: Record<string, unknown> = {}) => ({
  from_subaccount: [],
  created_at_time: [],
  amount,
  creation_args: [],
  ...extra,
});

describe('the cycles ledger at its mainnet id', function () {
  this.timeout(60_000);
  let dir: string;
  let devnet: Devnet;
  const alice = newIdentity() as SignIdentity;
  const bob = newIdentity() as SignIdentity;
  let aliceAgent: HttpAgent;
  let asAlice: Ledger;
  let asBob: Ledger;
  const aliceId = alice.getPrincipal();
  const bobId = bob.getPrincipal();

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnetWithEngine(
      { port: 0, stateDir: dir, fundedPrincipals: [aliceId.toText()], fundedCycles: 10n * T },
      createEchoEngine,
    );
    aliceAgent = await makeAgent(devnet.url, alice);
    asAlice = Actor.createActor(ledgerIdl, { agent: aliceAgent, canisterId: CYCLES_LEDGER_ID }) as Ledger;
    asBob = Actor.createActor(ledgerIdl, {
      agent: await makeAgent(devnet.url, bob),
      canisterId: CYCLES_LEDGER_ID,
    }) as Ledger;
  });

  after(async () => {
    await devnet?.close();
    removeDir(dir);
  });

  it('starts with the funded principal holding its cycles, read by a verified query', async () => {
    expect(await asAlice.icrc1_balance_of(account(aliceId))).to.equal(10n * T);
    expect(await asAlice.icrc1_balance_of(account(bobId))).to.equal(0n);
    expect(await asAlice.icrc1_total_supply()).to.equal(10n * T);
  });

  it('describes itself as the mainnet ledger does: fee, decimals, symbol, standards', async () => {
    expect(await asBob.icrc1_fee()).to.equal(CYCLES_LEDGER_FEE);
    expect(await asBob.icrc1_decimals()).to.equal(12);
    expect(await asBob.icrc1_symbol()).to.equal('TCYCLES');
    expect((await asBob.icrc1_supported_standards()).map((s: { name: string }) => s.name)).to.deep.equal([
      'ICRC-1',
      'ICRC-2',
    ]);
  });

  it('transfers, charging the fee, and answers a repeat with the same created_at_time as a duplicate', async () => {
    const createdAt = nowNanos();
    const first = await asAlice.icrc1_transfer(transferArgs(bobId, T, { created_at_time: [createdAt] }));
    expect(first).to.have.property('Ok');
    expect(await asAlice.icrc1_transfer(transferArgs(bobId, T, { created_at_time: [createdAt] }))).to.deep.equal({
      Err: { Duplicate: { duplicate_of: first.Ok, canister_id: [] } },
    });
    expect(await asAlice.icrc1_balance_of(account(bobId))).to.equal(T);
    expect(await asAlice.icrc1_balance_of(account(aliceId))).to.equal(9n * T - CYCLES_LEDGER_FEE);
  });

  const refusals: Array<{ what: string; args: () => unknown; error: (balance: bigint) => unknown }> = [
    {
      what: 'a wrong fee',
      args: () => transferArgs(bobId, 1n, { fee: [1n] }),
      error: () => ({ BadFee: { expected_fee: CYCLES_LEDGER_FEE } }),
    },
    {
      what: 'more than the balance',
      args: () => transferArgs(bobId, 1000n * T),
      error: (balance) => ({ InsufficientFunds: { balance } }),
    },
    {
      what: 'a created_at_time two days old',
      args: () => transferArgs(bobId, 1n, { created_at_time: [nowNanos() - 2n * 86_400n * 1_000_000_000n] }),
      error: () => ({ TooOld: null }),
    },
  ];
  for (const { what, args, error } of refusals) {
    it(`refuses a transfer of ${what} with the ledger's typed error, changing nothing`, async () => {
      const before = await asAlice.icrc1_balance_of(account(aliceId));
      expect(await asAlice.icrc1_transfer(args())).to.deep.equal({ Err: error(before) });
      expect(await asAlice.icrc1_balance_of(account(aliceId))).to.equal(before);
    });
  }

  it('refuses a created_at_time in the future with the ledger time', async () => {
    const reply = await asAlice.icrc1_transfer(
      transferArgs(bobId, 1n, { created_at_time: [nowNanos() + 3_600n * 1_000_000_000n] }),
    );
    expect(reply.Err).to.have.property('CreatedInFuture');
  });

  it('approves an allowance, lets the spender transfer from it, and refuses past it', async () => {
    const approved = await asAlice.icrc2_approve({
      from_subaccount: [],
      spender: account(bobId),
      amount: T,
      expected_allowance: [],
      expires_at: [],
      fee: [],
      memo: [],
      created_at_time: [],
    });
    expect(approved).to.have.property('Ok');
    expect((await asBob.icrc2_allowance({ account: account(aliceId), spender: account(bobId) })).allowance).to.equal(T);
    const changed = await asAlice.icrc2_approve({
      from_subaccount: [],
      spender: account(bobId),
      amount: 2n * T,
      expected_allowance: [5n],
      expires_at: [],
      fee: [],
      memo: [],
      created_at_time: [],
    });
    expect(changed).to.deep.equal({ Err: { AllowanceChanged: { current_allowance: T } } });
    const spent = T / 2n;
    const from = {
      spender_subaccount: [],
      from: account(aliceId),
      to: account(bobId),
      fee: [],
      memo: [],
      created_at_time: [],
    };
    expect(await asBob.icrc2_transfer_from({ ...from, amount: spent })).to.have.property('Ok');
    const left = T - spent - CYCLES_LEDGER_FEE;
    expect((await asBob.icrc2_allowance({ account: account(aliceId), spender: account(bobId) })).allowance).to.equal(
      left,
    );
    expect(await asBob.icrc2_transfer_from({ ...from, amount: left })).to.deep.equal({
      Err: { InsufficientAllowance: { allowance: left } },
    });
  });

  it('creates a canister on this subnet controlled by the caller, with the cycles paid for', async () => {
    const before = await asAlice.icrc1_balance_of(account(aliceId));
    const createdAt = nowNanos();
    const reply = await asAlice.create_canister(createArgs(2n * T, { created_at_time: [createdAt] }));
    const canisterId = reply.Ok.canister_id as Principal;
    expect(await asAlice.icrc1_balance_of(account(aliceId))).to.equal(before - 2n * T - CYCLES_LEDGER_FEE);
    const status = await management(aliceAgent, canisterId).canister_status({ canister_id: canisterId });
    expect(status.cycles).to.equal(2n * T);
    expect(status.settings.controllers.map((p: Principal) => p.toText())).to.deep.equal([aliceId.toText()]);
    // A retry of the same request creates nothing more and names the first canister.
    const again = await asAlice.create_canister(createArgs(2n * T, { created_at_time: [createdAt] }));
    expect(again).to.deep.equal({ Err: { Duplicate: { duplicate_of: reply.Ok.block_id, canister_id: [canisterId] } } });
  });

  it('refuses a creation it cannot pay for or place, charging nothing', async () => {
    expect(await asBob.create_canister(createArgs(100n * T))).to.deep.equal({
      Err: { InsufficientFunds: { balance: await asBob.icrc1_balance_of(account(bobId)) } },
    });
    const elsewhere = await asAlice.create_canister(
      createArgs(T, {
        creation_args: [{ settings: [], subnet_selection: [{ Subnet: { subnet: Principal.fromText('aaaaa-aa') } }] }],
      }),
    );
    expect(elsewhere.Err.FailedToCreate.error).to.contain('does not exist');
  });

  it('withdraws cycles to a canister, and refuses a user principal or a missing canister as receiver', async () => {
    const { Ok } = await asAlice.create_canister(createArgs(T));
    const target = Ok.canister_id as Principal;
    expect(
      await asAlice.withdraw({ amount: T, from_subaccount: [], to: target, created_at_time: [] }),
    ).to.have.property('Ok');
    expect((await management(aliceAgent, target).canister_status({ canister_id: target })).cycles).to.equal(2n * T);
    expect(await asAlice.withdraw({ amount: 1n, from_subaccount: [], to: bobId, created_at_time: [] })).to.deep.equal({
      Err: { InvalidReceiver: { receiver: bobId } },
    });
    // An id of the first range; this network numbers its canisters from a random range of its own.
    const missing = Principal.fromText('qoctq-giaaa-aaaaa-aaaea-cai');
    expect(
      (await asAlice.withdraw({ amount: 1n, from_subaccount: [], to: missing, created_at_time: [] })).Err
        .FailedToWithdraw.rejection_reason,
    ).to.contain('not found');
  });

  it('traps on a deposit sent as ingress (no cycles attached), as the real ledger does', async () => {
    let rejected: Error | undefined;
    try {
      await asAlice.deposit({ to: account(aliceId), memo: [] });
    } catch (error) {
      rejected = error as Error;
    }
    expect(rejected?.message).to.contain('IC0503').and.contain('less than the cycles ledger fee');
  });

  it('funds any principal through the faucet endpoint, and refuses a bad request with the reason', async () => {
    const carol = newIdentity().getPrincipal().toText();
    expect(await fundPrincipal(devnet.url, carol, 3n * T)).to.deep.equal({
      principal: carol,
      cycles: (3n * T).toString(),
      balance: (3n * T).toString(),
    });
    expect(devnet.cyclesBalance(carol)).to.equal(3n * T);
    let refused: Error & { code?: string } = new Error('none');
    try {
      await fundPrincipal(devnet.url, 'not-a-principal', 1n);
    } catch (error) {
      refused = error as typeof refused;
    }
    expect(refused.code).to.equal('FUND_REFUSED');
    expect(refused.message).to.contain('Not a principal');
  });

  it('keeps balances across a restart; a funded principal is topped up to its amount, not paid it again', async () => {
    const aliceBefore = await asAlice.icrc1_balance_of(account(aliceId));
    const bobBefore = await asAlice.icrc1_balance_of(account(bobId));
    expect(aliceBefore < 10n * T).to.equal(true);
    await devnet.close();
    devnet = await startDevnetWithEngine(
      { port: 0, stateDir: dir, fundedPrincipals: [aliceId.toText()], fundedCycles: 10n * T },
      createEchoEngine,
    );
    expect(devnet.cyclesBalance(aliceId)).to.equal(10n * T);
    expect(devnet.cyclesBalance(bobId)).to.equal(bobBefore);
  });
});

describe('deposit from a canister through the system-canister contract', () => {
  let dir: string;
  let ledger: CyclesLedger;
  let context: SystemCanisterContext;

  before(async () => {
    dir = makeTempDir();
    const engine = await createEchoEngine();
    ledger = new CyclesLedger(dir);
    context = {
      store: new CanisterStore(dir, async () => {}),
      engine,
      network: await loadOrCreateNetworkKeys(dir),
      timeNanos: nowNanos(),
    };
  });

  after(() => removeDir(dir));

  const someCanister = Principal.fromText('qoctq-giaaa-aaaaa-aaaea-cai');
  const owner = newIdentity().getPrincipal();
  const depositArg = (to: Principal) =>
    new Uint8Array(
      IDL.encode(
        [
          IDL.Record({
            to: IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
            memo: IDL.Opt(IDL.Vec(IDL.Nat8)),
          }),
        ],
        [{ to: { owner: to, subaccount: [] }, memo: [] }],
      ),
    );

  it('credits the attached cycles minus the fee to the account, accepts them all, and keeps it on disk', async () => {
    const outcome = await ledger.handle(
      { caller: someCanister, method: 'deposit', arg: depositArg(owner), cycles: 5n * T, mode: 'update' },
      context,
    );
    expect(outcome.kind).to.equal('reply');
    if (outcome.kind !== 'reply') return;
    expect(outcome.cyclesAccepted).to.equal(5n * T);
    const [reply] = IDL.decode([IDL.Record({ balance: IDL.Nat, block_index: IDL.Nat })], outcome.reply) as unknown as [
      { balance: bigint },
    ];
    expect(reply.balance).to.equal(5n * T - CYCLES_LEDGER_FEE);
    expect(new CyclesLedger(dir).book.balanceOf({ owner, subaccount: [] })).to.equal(5n * T - CYCLES_LEDGER_FEE);
  });

  it('rejects a deposit below the fee, accepting nothing and crediting nothing', async () => {
    const before = ledger.book.balanceOf({ owner, subaccount: [] });
    const outcome = await ledger.handle(
      {
        caller: someCanister,
        method: 'deposit',
        arg: depositArg(owner),
        cycles: CYCLES_LEDGER_FEE - 1n,
        mode: 'update',
      },
      context,
    );
    expect(outcome.kind).to.equal('reject');
    expect(ledger.book.balanceOf({ owner, subaccount: [] })).to.equal(before);
  });
});

describe('parseCyclesAmount (network fund --amount)', () => {
  const valid: Array<[string, bigint]> = [
    ['1', 1n],
    ['2500000000000', 2_500_000_000_000n],
    ['1_000', 1_000n],
    ['5k', 5_000n],
    ['3M', 3_000_000n],
    ['2b', 2_000_000_000n],
    ['2.5t', 2_500_000_000_000n],
    ['100t', 100n * T],
  ];
  for (const [text, cycles] of valid)
    it(`reads ${text} as ${cycles}`, () => expect(parseCyclesAmount(text)).to.equal(cycles));
  for (const text of ['0', '-5', '', 'lots', '1.5', '0.0000000000001t', '5x', '1e6']) {
    it(`refuses ${JSON.stringify(text)} with INVALID_AMOUNT`, () => {
      expect(() => parseCyclesAmount(text))
        .to.throw(/is not a positive whole number of cycles/)
        .with.property('code', 'INVALID_AMOUNT');
    });
  }
});
