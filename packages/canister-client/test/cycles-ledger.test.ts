import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { CanisterClient } from '../src/canister-client.js';
import { CandidService } from '../src/candid/service.js';
import {
  CYCLES_LEDGER_ID,
  CyclesLedger,
  DEFAULT_CREATION_CYCLES,
  cyclesLedgerIdlFactory,
} from '../src/cycles-ledger.js';
import { CanisterClientError } from '../src/errors.js';
import { RecordedTransport } from './support/recorded-transport.js';

const ledger = new CandidService(cyclesLedgerIdlFactory);
const caller = Principal.fromText('filqw-yc66b-xaz5q-hwui2-cvmvl-mw3y4-2e4wj-kehw4-thzgb-fqq7b-nae');
const created = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const mainnet = { name: 'production', url: 'https://icp-api.io', kind: 'ic' as const };

function replyCreate(transport: RecordedTransport, value: unknown): RecordedTransport {
  return transport.on('create_canister', () => ledger.encodeReply('create_canister', [value]));
}

async function expectError(promise: Promise<unknown>, code: string): Promise<CanisterClientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(CanisterClientError);
    expect((error as CanisterClientError).code).to.equal(code);
    return error as CanisterClientError;
  }
  return expect.fail(`expected ${code}`);
}

describe('mainnet canister creation through the cycles ledger (recorded replies)', () => {
  it('a mainnet client creates canisters with create_canister on the cycles ledger, the caller as controller', async () => {
    const transport = replyCreate(new RecordedTransport(caller), { Ok: { block_id: 77n, canister_id: created } });
    const client = new CanisterClient(mainnet, transport);
    expect(await client.createCanister({ cycles: 2_000_000_000_000n })).to.equal(created.toText());
    const [call] = transport.calls;
    expect(call).to.include({ kind: 'update', method: 'create_canister' });
    expect(call.canisterId.toText()).to.equal(CYCLES_LEDGER_ID.toText());
    const [arg] = ledger.decodeArgs('create_canister', call.arg) as [
      {
        amount: bigint;
        created_at_time: [bigint];
        creation_args: [{ settings: [{ controllers: [Principal[]] }]; subnet_selection: [] }];
      },
    ];
    expect(arg.amount).to.equal(2_000_000_000_000n);
    expect(arg.created_at_time).to.have.length(1);
    expect(arg.creation_args[0].settings[0].controllers[0].map((p) => p.toText())).to.deep.equal([caller.toText()]);
    expect(transport.methods()).to.not.include('provisional_create_canister_with_cycles');
  });

  it('a development network uses provisional_create_canister_with_cycles instead', async () => {
    const transport = new RecordedTransport(caller).reply(
      'provisional_create_canister_with_cycles',
      [IDL.Record({ canister_id: IDL.Principal })],
      [{ canister_id: created }],
    );
    const client = new CanisterClient({ name: 'local', url: 'http://127.0.0.1:4943', kind: 'local' }, transport);
    expect(await client.createCanister()).to.equal(created.toText());
    expect(transport.calls[0].canisterId.toText()).to.equal('aaaaa-aa');
  });

  it('uses the default amount and can pin a subnet', async () => {
    const subnet = Principal.fromText('pzp6e-ekpqk-3c5x7-2h6so-njoeq-mt45d-h3h6c-q3mxf-vpeq5-fk5o7-yae');
    const transport = replyCreate(new RecordedTransport(caller), { Ok: { block_id: 1n, canister_id: created } });
    const result = await new CyclesLedger(transport).createCanister({ subnet, createdAtTimeNanos: 5n });
    expect(result).to.deep.equal({ canisterId: created, blockIndex: 1n });
    const [arg] = ledger.decodeArgs('create_canister', transport.calls[0].arg) as [
      {
        amount: bigint;
        created_at_time: [bigint];
        creation_args: [{ subnet_selection: [{ Subnet: { subnet: Principal } }] }];
      },
    ];
    expect(arg.amount).to.equal(DEFAULT_CREATION_CYCLES);
    expect(arg.created_at_time).to.deep.equal([5n]);
    expect(arg.creation_args[0].subnet_selection[0].Subnet.subnet.toText()).to.equal(subnet.toText());
  });

  it('not enough cycles is INSUFFICIENT_CYCLES with the balance and a top-up hint', async () => {
    const transport = replyCreate(new RecordedTransport(caller), { Err: { InsufficientFunds: { balance: 12n } } });
    const error = await expectError(
      new CyclesLedger(transport).createCanister({ cycles: 100n }),
      'INSUFFICIENT_CYCLES',
    );
    expect(error.details).to.include({ balance: '12', needed: '100' });
    expect(error.hint).to.contain(caller.toText());
  });

  it('a duplicate request returns the canister the first one created', async () => {
    const transport = replyCreate(new RecordedTransport(caller), {
      Err: { Duplicate: { duplicate_of: 9n, canister_id: [created] } },
    });
    expect((await new CyclesLedger(transport).createCanister({ createdAtTimeNanos: 1n })).canisterId.toText()).to.equal(
      created.toText(),
    );
  });

  it('a planned mainnet creation repeated after a crash sends the same created_at_time and gets the first canister back', async () => {
    // The first attempt created the canister but its reply was lost (the process died); the
    // repeat of the journaled plan is answered Duplicate by the ledger, naming that canister.
    let attempts = 0;
    const transport = new RecordedTransport(caller).on('create_canister', () =>
      ledger.encodeReply('create_canister', [
        attempts++ === 0
          ? { Ok: { block_id: 8n, canister_id: created } }
          : { Err: { Duplicate: { duplicate_of: 8n, canister_id: [created] } } },
      ]),
    );
    const client = new CanisterClient(mainnet, transport);
    const plan = client.planCreation();
    expect(plan.kind).to.equal('ledger-deduplication');
    expect(await client.findPlanned(plan), 'only a create call can tell on mainnet').to.equal(undefined);
    expect(await client.createPlanned(plan)).to.equal(created.toText());
    expect(await client.createPlanned(JSON.parse(JSON.stringify(plan)))).to.equal(created.toText());
    const times = transport.calls.map(
      (call) =>
        (ledger.decodeArgs('create_canister', call.arg) as [{ created_at_time: [bigint] }])[0].created_at_time[0],
    );
    expect(times).to.have.length(2);
    expect(times[0]).to.equal(times[1]);
    expect(String(times[0])).to.equal(plan.kind === 'ledger-deduplication' ? plan.createdAtTimeNanos : '');
  });

  it('other ledger errors are CYCLES_LEDGER_ERROR carrying the ledger variant', async () => {
    for (const [err, name] of [
      [{ FailedToCreate: { fee_block: [3n], refund_block: [4n], error: 'subnet full' } }, 'FailedToCreate'],
      [{ GenericError: { message: 'busy', error_code: 1n } }, 'GenericError'],
      [{ TemporarilyUnavailable: null }, 'TemporarilyUnavailable'],
      [{ Duplicate: { duplicate_of: 9n, canister_id: [] } }, 'Duplicate'],
    ] as const) {
      const transport = replyCreate(new RecordedTransport(caller), { Err: err });
      const error = await expectError(new CyclesLedger(transport).createCanister(), 'CYCLES_LEDGER_ERROR');
      expect(error.details.ledgerError).to.equal(name);
    }
  });

  it("reads the identity's cycles balance with icrc1_balance_of", async () => {
    const transport = new RecordedTransport(caller).on('icrc1_balance_of', (request) => {
      const [account] = ledger.decodeArgs('icrc1_balance_of', request.arg) as [{ owner: Principal }];
      expect(account.owner.toText()).to.equal(caller.toText());
      return ledger.encodeReply('icrc1_balance_of', [5_000n]);
    });
    expect(await new CyclesLedger(transport).balance()).to.equal(5_000n);
    expect(transport.calls[0].kind).to.equal('query');
  });
});
