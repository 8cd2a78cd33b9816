import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { judgeHealthReply } from '../src/health/verdict.js';
import { decodeCandidUntyped } from '../src/candid/generic-decode.js';

const encode = (types: IDL.Type[], values: unknown[]): Uint8Array => new Uint8Array(IDL.encode(types, values));

describe('health verdict (replies decoded without knowing their type)', () => {
  const cases: Array<{ name: string; reply: Uint8Array; healthy: boolean }> = [
    { name: 'true', reply: encode([IDL.Bool], [true]), healthy: true },
    { name: 'false', reply: encode([IDL.Bool], [false]), healthy: false },
    { name: '()', reply: encode([], []), healthy: true },
    { name: 'text', reply: encode([IDL.Text], ['all good']), healthy: true },
    { name: 'nat', reply: encode([IDL.Nat], [42n]), healthy: true },
    {
      name: 'variant #ok',
      reply: encode([IDL.Variant({ ok: IDL.Text, err: IDL.Text })], [{ ok: 'fine' }]),
      healthy: true,
    },
    {
      name: 'variant #err',
      reply: encode([IDL.Variant({ ok: IDL.Text, err: IDL.Text })], [{ err: 'db down' }]),
      healthy: false,
    },
    {
      name: 'variant #Err (Rust Result)',
      reply: encode([IDL.Variant({ Ok: IDL.Null, Err: IDL.Text })], [{ Err: 'nope' }]),
      healthy: false,
    },
    {
      name: 'variant #Ok (Rust Result)',
      reply: encode([IDL.Variant({ Ok: IDL.Null, Err: IDL.Text })], [{ Ok: null }]),
      healthy: true,
    },
    {
      name: 'variant #unhealthy',
      reply: encode([IDL.Variant({ healthy: IDL.Null, unhealthy: IDL.Text })], [{ unhealthy: 'x' }]),
      healthy: false,
    },
    {
      name: 'variant #healthy',
      reply: encode([IDL.Variant({ healthy: IDL.Null, unhealthy: IDL.Text })], [{ healthy: null }]),
      healthy: true,
    },
    {
      name: 'record ok = false',
      reply: encode([IDL.Record({ ok: IDL.Bool, message: IDL.Text })], [{ ok: false, message: 'disk' }]),
      healthy: false,
    },
    {
      name: 'record ok = true',
      reply: encode([IDL.Record({ ok: IDL.Bool, message: IDL.Text })], [{ ok: true, message: '' }]),
      healthy: true,
    },
    {
      name: 'record healthy = false among other fields',
      reply: encode(
        [IDL.Record({ version: IDL.Nat, healthy: IDL.Bool, checks: IDL.Vec(IDL.Text) })],
        [{ version: 3n, healthy: false, checks: ['a'] }],
      ),
      healthy: false,
    },
    {
      name: 'record healthy = true',
      reply: encode([IDL.Record({ healthy: IDL.Bool, uptime: IDL.Nat64 })], [{ healthy: true, uptime: 5n }]),
      healthy: true,
    },
    {
      name: 'record without flags',
      reply: encode([IDL.Record({ status: IDL.Text })], [{ status: 'degraded?' }]),
      healthy: true,
    },
    { name: 'opt none', reply: encode([IDL.Opt(IDL.Text)], [[]]), healthy: true },
    {
      name: 'vec of records',
      reply: encode([IDL.Vec(IDL.Record({ name: IDL.Text }))], [[{ name: 'a' }, { name: 'b' }]]),
      healthy: true,
    },
    { name: 'not Candid at all', reply: Uint8Array.of(1, 2, 3), healthy: false },
    { name: 'truncated Candid', reply: encode([IDL.Text], ['hello']).subarray(0, 9), healthy: false },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.healthy ? 'healthy' : 'unhealthy'}`, () => {
      expect(judgeHealthReply(testCase.reply).healthy).to.equal(testCase.healthy);
    });
  }

  it('reports the decoded reply with known labels by name', () => {
    const verdict = judgeHealthReply(
      encode([IDL.Record({ ok: IDL.Bool, message: IDL.Text })], [{ ok: false, message: 'disk full' }]),
    );
    expect(verdict.reply).to.deep.equal({ ok: false, message: 'disk full' });
    expect(verdict.reason).to.equal('replied ok = false');
  });
});

describe('decodeCandidUntyped', () => {
  it('decodes every primitive, nested and reference type the way IDL.encode wrote it', () => {
    const principal = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai');
    const types = [
      IDL.Int,
      IDL.Int8,
      IDL.Int16,
      IDL.Int32,
      IDL.Int64,
      IDL.Nat8,
      IDL.Nat16,
      IDL.Nat32,
      IDL.Nat64,
      IDL.Float32,
      IDL.Float64,
      IDL.Null,
      IDL.Reserved,
      IDL.Principal,
      IDL.Vec(IDL.Nat8),
      IDL.Opt(IDL.Opt(IDL.Bool)),
      IDL.Tuple(IDL.Text, IDL.Nat),
      IDL.Func([IDL.Nat], [], ['query']),
      IDL.Service({ go: IDL.Func([], [], []) }),
    ];
    const values = [
      -5n,
      -8,
      -300,
      -70000,
      -(2n ** 40n),
      255,
      65535,
      4_000_000_000,
      2n ** 63n,
      1.5,
      -2.25,
      null,
      null,
      principal,
      Uint8Array.of(1, 2),
      [[true]],
      ['t', 7n],
      [principal, 'm'],
      principal,
    ];
    const decoded = decodeCandidUntyped(encode(types, values));
    expect(decoded.map((value) => ('value' in value ? value.value : value.kind))).to.deep.equal([
      -5n,
      -8n,
      -300n,
      -70000n,
      -(2n ** 40n),
      255n,
      65535n,
      4_000_000_000n,
      2n ** 63n,
      1.5,
      -2.25,
      'null',
      'reserved',
      principal.toText(),
      Uint8Array.of(1, 2),
      { kind: 'opt', value: { kind: 'bool', value: true } },
      'record',
      'func',
      'service',
    ]);
  });

  it('decodes recursive types', () => {
    const List = IDL.Rec();
    List.fill(IDL.Opt(IDL.Record({ head: IDL.Nat, tail: List })));
    const decoded = decodeCandidUntyped(encode([List], [[{ head: 1n, tail: [{ head: 2n, tail: [] }] }]]));
    expect(decoded[0].kind).to.equal('opt');
  });
});
