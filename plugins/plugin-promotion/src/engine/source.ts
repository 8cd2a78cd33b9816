import { readWasmArtifact, wasmArtifactFromBytes, type WasmArtifact } from '@soulrecall/canister-client';
import {
  shortHash,
  SoulrecallError,
  type EnvironmentConfig,
  type PromotedModule,
  type Session,
} from '@soulrecall/core';
import type { Deployment, HistoryStore, Route } from '@soulrecall/history-store';
import type { PromotionRoute } from './request.js';

/**
 * Reads the module hash a canister runs (read_state, certified). Injected so the engine is testable without a network.
 */
export type ModuleHashProbe = (environment: EnvironmentConfig, canisterId: string) => Promise<string | null>;

export interface SourceOptions {
  wasmPath?: string;
  force: boolean;
  yes: boolean;
  /** --skip-deploy touches no network, so the source is not probed for drift (said in a note). */
  skipDriftCheck?: boolean;
}

export interface PromotionSource {
  /** The source environment's live deployment (what was tested). */
  deployment: Deployment | null;
  module: PromotedModule;
  /** Drift accepted with --force: what the store said and what the canister runs. */
  forcedDrift: { recorded: string; onChain: string | null } | null;
  /** -w given with a module other than the source's: both hashes, recorded. */
  fileOverride: { sourceSha256: string | null; fileSha256: string } | null;
}

/**
 * What a promotion moves: the module of the source environment's live deployment, read back
 * from the artifact store by hash after checking that the source canister still runs exactly
 * it (no drift); or, with -w, the given file (confirmed when it differs from the source).
 */
export async function resolvePromotionSource(
  session: Session,
  route: PromotionRoute,
  options: SourceOptions,
  probe: ModuleHashProbe,
): Promise<PromotionSource> {
  const { agent, from } = route;
  const store = session.store;
  const { liveRoute, deployment } = recordedSource(store, route);

  if (options.wasmPath !== undefined) {
    const artifact = await readWasmArtifact(options.wasmPath).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'WASM_NOT_FOUND') throw error;
      throw new SoulrecallError(`No module at ${options.wasmPath} (given with -w).`, {
        code: 'WASM_NOT_FOUND',
        hint: 'Check the path passed to -w/--wasm-path, or leave it out to promote what runs in the source.',
      });
    });
    const sourceSha256 = deployment?.status === 'succeeded' ? deployment.moduleSha256 : null;
    if (sourceSha256 !== null && sourceSha256 !== artifact.sha256 && !options.yes) {
      throw new SoulrecallError(
        `${options.wasmPath} (sha256 ${shortHash(artifact.sha256)}) is not what runs in ${from.name} (sha256 ${shortHash(sourceSha256)}): it was not tested there.`,
        {
          code: 'MODULE_NOT_FROM_SOURCE',
          hint: 'Pass --yes to promote this file anyway (both hashes are recorded), or deploy it to the source first.',
        },
      );
    }
    return {
      deployment: deployment?.status === 'succeeded' ? deployment : null,
      module: promotedModule(artifact, 'file', options.wasmPath),
      forcedDrift: null,
      fileOverride: sourceSha256 === artifact.sha256 ? null : { sourceSha256, fileSha256: artifact.sha256 },
    };
  }

  if (!liveRoute || !deployment) {
    throw new SoulrecallError(
      `${agent.name} has never been deployed to ${from.name}, so there is nothing to promote from it.`,
      {
        code: 'SOURCE_NOT_DEPLOYED',
        hint: `Deploy it first (\`soulrecall deploy ${agent.name} -e ${from.name}\`), or promote a file with -w.`,
      },
    );
  }
  if (deployment.status !== 'succeeded') {
    throw new SoulrecallError(
      `The live deployment of ${agent.name} in ${from.name} (version ${deployment.version}) is ${deployment.status}, not a tested version.`,
      {
        code: 'SOURCE_DEPLOYMENT_FAILED',
        hint: `Fix it in ${from.name} first: \`soulrecall deploy ${agent.name} -e ${from.name}\` or \`soulrecall rollback ${deployment.canisterId}\`.`,
      },
    );
  }
  const onChain = options.skipDriftCheck ? deployment.moduleSha256 : await probe(from, deployment.canisterId);
  let forcedDrift: PromotionSource['forcedDrift'] = null;
  if (onChain !== deployment.moduleSha256) {
    if (!options.force) {
      throw new SoulrecallError(
        `Drift in ${from.name}: canister ${deployment.canisterId} runs module ${onChain ?? '(none)'}, but soulrecall recorded ${deployment.moduleSha256} (version ${deployment.version}).`,
        {
          code: 'DRIFT',
          hint: `Something changed it outside soulrecall. Redeploy to ${from.name}, or pass --force to promote the recorded module anyway (recorded).`,
        },
      );
    }
    forcedDrift = { recorded: deployment.moduleSha256, onChain };
  }
  return {
    deployment,
    module: storedModule(store, deployment.moduleSha256, 'source-deployment'),
    forcedDrift,
    fileOverride: null,
  };
}

/** The source's live canister and the deployment it runs, as the store records them (no network). */
export function recordedSource(
  store: HistoryStore,
  { agent, from }: PromotionRoute,
): { liveRoute: Route | null; deployment: Deployment | null } {
  const liveRoute = store.routes.get(agent.name, from.name);
  const latest = liveRoute
    ? store.deployments.latest({ agent: agent.name, environment: from.name, canisterId: liveRoute.canisterId })
    : null;
  // A rolled-back deployment left the canister on the succeeded one before it.
  const deployment =
    latest?.status === 'rolled-back'
      ? store.deployments.latest({
          agent: agent.name,
          environment: from.name,
          canisterId: liveRoute!.canisterId,
          status: 'succeeded',
        })
      : latest;
  return { liveRoute, deployment };
}

/** What a promotion moves, from a validated module. */
function promotedModule(artifact: WasmArtifact, origin: PromotedModule['origin'], path?: string): PromotedModule {
  return {
    sha256: artifact.sha256,
    bytes: artifact.bytes,
    size: artifact.size,
    enhancedOrthogonalPersistence: artifact.enhancedOrthogonalPersistence,
    origin,
    path,
  };
}

/** A module read back from the artifact store by hash (the read verifies the hash). */
export function storedModule(
  store: HistoryStore,
  sha256: string,
  origin: PromotedModule['origin'],
  path?: string,
): PromotedModule {
  return promotedModule(wasmArtifactFromBytes(store.artifacts.get(sha256), `artifact ${sha256}`), origin, path);
}
