import { Principal } from '@dfinity/principal';
import { toHex } from './candid/service.js';
import { CanisterClientError } from './errors.js';
import { type PrincipalLike, toPrincipal } from './principal.js';
import type { IcTransport } from './transport.js';

const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** `/canister/<id>/<leaf...>` as state-tree path labels. */
function canisterPath(canisterId: Principal, ...leaf: string[]): Uint8Array[] {
  return [utf8('canister'), canisterId.toUint8Array(), ...leaf.map(utf8)];
}

/** What anyone may learn about a canister from the certified state tree (no controller needed). */
export interface CanisterInfo {
  canisterId: string;
  /** sha256 of the installed module (hex), or null when the canister is empty. */
  moduleHash: string | null;
  controllers: string[];
}

/**
 * Certified reads of `/canister/<id>/...` via read_state: module hash, controllers and
 * metadata sections. Works for callers that are not controllers (public metadata only).
 */
export class CanisterStateReader {
  constructor(private readonly transport: IcTransport) {}

  async info(canisterId: PrincipalLike): Promise<CanisterInfo> {
    const id = toPrincipal(canisterId);
    const [moduleHash, controllers] = await this.transport.readState(id, [
      canisterPath(id, 'module_hash'),
      canisterPath(id, 'controllers'),
    ]);
    return {
      canisterId: id.toText(),
      moduleHash: moduleHash ? toHex(moduleHash) : null,
      controllers: await decodeControllers(controllers),
    };
  }

  async moduleHash(canisterId: PrincipalLike): Promise<string | null> {
    const id = toPrincipal(canisterId);
    const [hash] = await this.transport.readState(id, [canisterPath(id, 'module_hash')]);
    return hash ? toHex(hash) : null;
  }

  async controllers(canisterId: PrincipalLike): Promise<string[]> {
    const id = toPrincipal(canisterId);
    const [controllers] = await this.transport.readState(id, [canisterPath(id, 'controllers')]);
    return await decodeControllers(controllers);
  }

  /**
   * A metadata section's bytes: `name` without its `icp:public ` / `icp:private ` prefix
   * (e.g. `candid:service`). Undefined when the module has no such section.
   */
  async metadata(canisterId: PrincipalLike, name: string): Promise<Uint8Array | undefined> {
    const id = toPrincipal(canisterId);
    const [value] = await this.transport.readState(id, [canisterPath(id, 'metadata', name)]);
    return value;
  }

  /** The canister's Candid interface (`candid:service` metadata), if it publishes one. */
  async candidInterface(canisterId: PrincipalLike): Promise<string | undefined> {
    const value = await this.metadata(canisterId, 'candid:service');
    return value === undefined ? undefined : new TextDecoder().decode(value);
  }
}

async function decodeControllers(value: Uint8Array | undefined): Promise<string[]> {
  if (!value) return [];
  // Imported here, not at the top: see NodeKeyIdentity.transformRequest (identity/pem.ts).
  const { Cbor } = await import('@dfinity/agent');
  try {
    const raw = Cbor.decode<Uint8Array[]>(value);
    return raw.map((bytes) => Principal.fromUint8Array(new Uint8Array(bytes)).toText());
  } catch (error) {
    throw new CanisterClientError(
      'UNEXPECTED_REPLY',
      'The certified controllers of the canister are not a CBOR list of principals',
      {
        hint: 'The network certified something no IC replica would; check that the environment points at an IC network.',
        details: { bytes: value.length },
        cause: error,
      },
    );
  }
}
