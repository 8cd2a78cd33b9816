import type { Identity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { type ArtifactLimits, type WasmArtifact, readWasmArtifact, wasmArtifactFromBytes } from './artifact.js';
import { type CreationPlan, randomDevelopmentCanisterId } from './creation-plan.js';
import { CyclesLedger, type LedgerCreateOptions } from './cycles-ledger.js';
import { isCanisterClientError } from './errors.js';
import { type HealthProbeOptions, type HealthVerdict, probeHealth } from './health/probe.js';
import type { ConnectionOptions } from './http-transport.js';
import type { LoadedIdentity } from './identity/store.js';
import type { ChunkUploadStats } from './management/chunked-upload.js';
import { type InstallOptions, type InstallResult, installModule } from './management/install.js';
import { ManagementCanister } from './management/management-canister.js';
import type {
  CanisterLogRecord,
  CanisterSettingsInput,
  CanisterStatus,
  SnapshotInfo,
  SnapshotMetadata,
} from './management/types.js';
import {
  downloadSnapshot,
  uploadSnapshot,
  type SnapshotContent,
  type TransferOptions,
  type TransferStats,
  type UploadOptions,
  type UploadResult,
} from './snapshots/transfer.js';
import { type NetworkDescription, isDevelopmentNetwork } from './network.js';
import { type PrincipalLike, toPrincipal } from './principal.js';
import { type CanisterInfo, CanisterStateReader } from './read-state.js';
import type { IcTransport } from './transport.js';

export interface CreateCanisterOptions {
  /** Cycles for the new canister (development networks: the replica's default when omitted). */
  cycles?: bigint;
  settings?: CanisterSettingsInput;
  /** Development networks only: ask for this canister id. */
  specifiedId?: PrincipalLike;
  /** Mainnet only: pin a subnet, or pass a deduplication time (see LedgerCreateOptions). */
  subnet?: Principal;
  createdAtTimeNanos?: bigint;
}

export type InstallRequest = Omit<InstallOptions, 'module'> & { module: WasmArtifact | string };

/** Totals over this client's life; lets callers (and tests) see what chunked installs sent. */
export interface ClientStats {
  chunksUploaded: number;
  chunksSkipped: number;
  bytesUploaded: number;
}

/**
 * A connection to one network as one identity: everything soulrecall does to canisters.
 * Create it with `CanisterClient.connect(network, identity)`.
 */
export class CanisterClient {
  readonly management: ManagementCanister;
  readonly state: CanisterStateReader;
  readonly stats: ClientStats = { chunksUploaded: 0, chunksSkipped: 0, bytesUploaded: 0 };

  constructor(
    readonly network: NetworkDescription,
    readonly transport: IcTransport,
    private readonly artifactLimits: ArtifactLimits = {},
  ) {
    this.management = new ManagementCanister(transport);
    this.state = new CanisterStateReader(transport);
  }

  /**
   * Connects with verification on: fetches the root key of development networks (this is the
   * first request, so an unreachable network fails here with NETWORK_UNREACHABLE).
   */
  static async connect(
    network: NetworkDescription,
    identity: Identity | LoadedIdentity,
    options: ConnectionOptions & ArtifactLimits = {},
  ): Promise<CanisterClient> {
    const signer = 'identity' in identity ? identity.identity : identity;
    // Loaded on the first connection: http-transport imports @dfinity/agent, whose @noble/curves
    // BLS12-381 set-up costs ≈ 0.1 s that commands reading only the history store never pay.
    const { HttpAgentTransport } = await import('./http-transport.js');
    const transport = await HttpAgentTransport.connect(network, signer, options);
    return new CanisterClient(network, transport, options);
  }

  /** Asks the network for its status and returns how long the answer took (milliseconds). */
  async ping(): Promise<number> {
    const started = process.hrtime.bigint();
    await this.transport.ping();
    return Number((process.hrtime.bigint() - started) / 1_000_000n);
  }

  /** The principal requests are signed with; record it next to what it did. */
  get principal(): string {
    return this.transport.principal.toText();
  }

  /** Development networks: provisional creation. Mainnet: paid through the cycles ledger. */
  async createCanister(options: CreateCanisterOptions = {}): Promise<string> {
    const settings = { ...options.settings, controllers: options.settings?.controllers ?? [this.transport.principal] };
    if (isDevelopmentNetwork(this.network)) {
      const id = await this.management.provisionalCreateCanister({
        cycles: options.cycles,
        settings,
        specifiedId: options.specifiedId,
      });
      return id.toText();
    }
    const ledgerOptions: LedgerCreateOptions = {
      cycles: options.cycles,
      settings,
      subnet: options.subnet,
      createdAtTimeNanos: options.createdAtTimeNanos,
    };
    return (await new CyclesLedger(this.transport).createCanister(ledgerOptions)).canisterId.toText();
  }

  /** How the next creation can be repeated safely (journal it before `createPlanned`). */
  planCreation(): CreationPlan {
    if (isDevelopmentNetwork(this.network))
      return { kind: 'specified-id', canisterId: randomDevelopmentCanisterId().toText() };
    return { kind: 'ledger-deduplication', createdAtTimeNanos: (BigInt(Date.now()) * 1_000_000n).toString() };
  }

  /**
   * Creates the canister of a plan, or, when an earlier attempt of the same plan already did,
   * returns that canister: a rerun after a crash never makes a second one.
   */
  async createPlanned(
    plan: CreationPlan,
    options: Omit<CreateCanisterOptions, 'specifiedId' | 'createdAtTimeNanos'> = {},
  ): Promise<string> {
    if (plan.kind === 'specified-id') {
      const existing = await this.findPlanned(plan);
      if (existing) return existing;
      return this.createCanister({ ...options, specifiedId: plan.canisterId });
    }
    return this.createCanister({ ...options, createdAtTimeNanos: BigInt(plan.createdAtTimeNanos) });
  }

  /**
   * The canister a plan created, if it exists (development networks: a status read of the
   * chosen id). On mainnet only a create call can tell (the ledger answers a repeated request
   * with the first canister): undefined means "cannot know without creating", null "none".
   */
  async findPlanned(plan: CreationPlan): Promise<string | null | undefined> {
    if (plan.kind !== 'specified-id') return undefined;
    try {
      await this.management.canisterStatus(plan.canisterId);
      return plan.canisterId;
    } catch (error) {
      if (isCanisterClientError(error, 'CANISTER_NOT_FOUND')) return null;
      throw error;
    }
  }

  /** Reads and validates a module file (or validates bytes already read). */
  async readModule(source: string | Uint8Array): Promise<WasmArtifact> {
    return typeof source === 'string'
      ? readWasmArtifact(source, this.artifactLimits)
      : wasmArtifactFromBytes(source, 'the module', this.artifactLimits);
  }

  /** install / reinstall / upgrade (`auto` by default); chunked for big modules. */
  async install(request: InstallRequest): Promise<InstallResult> {
    const module = typeof request.module === 'string' ? await this.readModule(request.module) : request.module;
    const result = await installModule(this.management, this.state, { ...request, module });
    if (result.chunkStats) this.count(result.chunkStats);
    return result;
  }

  private count(stats: ChunkUploadStats): void {
    this.stats.chunksUploaded += stats.uploaded;
    this.stats.chunksSkipped += stats.skipped;
    this.stats.bytesUploaded += stats.bytesUploaded;
  }

  /** canister_status (controllers only). */
  status(canisterId: PrincipalLike): Promise<CanisterStatus> {
    return this.management.canisterStatus(canisterId);
  }

  start(canisterId: PrincipalLike): Promise<void> {
    return this.management.startCanister(canisterId);
  }

  stop(canisterId: PrincipalLike): Promise<void> {
    return this.management.stopCanister(canisterId);
  }

  /** Deletes a canister; stops it first unless told it is already stopped. */
  async delete(canisterId: PrincipalLike, options: { stopFirst?: boolean } = {}): Promise<void> {
    if (options.stopFirst ?? true) await this.management.stopCanister(canisterId);
    await this.management.deleteCanister(canisterId);
  }

  updateSettings(canisterId: PrincipalLike, settings: CanisterSettingsInput): Promise<void> {
    return this.management.updateSettings(canisterId, settings);
  }

  setControllers(canisterId: PrincipalLike, controllers: PrincipalLike[]): Promise<void> {
    return this.management.updateSettings(canisterId, { controllers });
  }

  takeSnapshot(canisterId: PrincipalLike, replaceSnapshotId?: string): Promise<SnapshotInfo> {
    return this.management.takeSnapshot(canisterId, replaceSnapshotId);
  }

  loadSnapshot(canisterId: PrincipalLike, snapshotId: string): Promise<void> {
    return this.management.loadSnapshot(canisterId, snapshotId);
  }

  listSnapshots(canisterId: PrincipalLike): Promise<SnapshotInfo[]> {
    return this.management.listSnapshots(canisterId);
  }

  deleteSnapshot(canisterId: PrincipalLike, snapshotId: string): Promise<void> {
    return this.management.deleteSnapshot(canisterId, snapshotId);
  }

  readSnapshotMetadata(canisterId: PrincipalLike, snapshotId: string): Promise<SnapshotMetadata> {
    return this.management.readSnapshotMetadata(canisterId, snapshotId);
  }

  /** Reads a whole snapshot out of the canister (sliced, in parallel; chunk hashes checked). */
  downloadSnapshot(
    canisterId: PrincipalLike,
    snapshotId: string,
    options: TransferOptions = {},
  ): Promise<SnapshotContent & { stats: TransferStats }> {
    return downloadSnapshot(this.management, toPrincipal(canisterId), snapshotId, options);
  }

  /** Uploads a snapshot into the canister as a new (loadable) snapshot; resumable with `options.resume`. */
  uploadSnapshot(
    canisterId: PrincipalLike,
    content: SnapshotContent,
    options: UploadOptions = {},
  ): Promise<UploadResult> {
    return uploadSnapshot(this.management, toPrincipal(canisterId), content, options);
  }

  logs(canisterId: PrincipalLike): Promise<CanisterLogRecord[]> {
    return this.management.fetchLogs(canisterId);
  }

  /** Module hash and controllers from the certified state tree (anyone may read them). */
  info(canisterId: PrincipalLike): Promise<CanisterInfo> {
    return this.state.info(canisterId);
  }

  moduleHash(canisterId: PrincipalLike): Promise<string | null> {
    return this.state.moduleHash(canisterId);
  }

  controllers(canisterId: PrincipalLike): Promise<string[]> {
    return this.state.controllers(canisterId);
  }

  metadata(canisterId: PrincipalLike, name: string): Promise<Uint8Array | undefined> {
    return this.state.metadata(canisterId, name);
  }

  candidInterface(canisterId: PrincipalLike): Promise<string | undefined> {
    return this.state.candidInterface(canisterId);
  }

  health(canisterId: PrincipalLike, options: HealthProbeOptions = {}): Promise<HealthVerdict> {
    return probeHealth(
      { transport: this.transport, management: this.management, reader: this.state },
      canisterId,
      options,
    );
  }

  /** A raw query to any canister method (Candid bytes in and out). */
  query(canisterId: PrincipalLike, method: string, arg: Uint8Array): Promise<Uint8Array> {
    return this.transport.query({ canisterId: toPrincipal(canisterId), method, arg });
  }

  /** A raw update call to any canister method (Candid bytes in and out). */
  update(canisterId: PrincipalLike, method: string, arg: Uint8Array): Promise<Uint8Array> {
    return this.transport.update({ canisterId: toPrincipal(canisterId), method, arg });
  }
}
