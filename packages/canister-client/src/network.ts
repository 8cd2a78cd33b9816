/**
 * A network as core resolves it from soulrecall.yaml. This package never reads config files.
 * `kind` decides how the root key is obtained:
 *  - `ic`: mainnet, the root key built into @dfinity/agent (never fetched: a fetched key proves nothing);
 *  - `local` / `url`: development networks, root key fetched from `/api/v2/status`.
 */
export interface NetworkDescription {
  name: string;
  url: string;
  kind: 'local' | 'ic' | 'url';
}

export const LOCAL_NETWORK_URL = 'http://127.0.0.1:4943';
export const MAINNET_URL = 'https://icp-api.io';

export function isMainnet(network: NetworkDescription): boolean {
  return network.kind === 'ic';
}

/** Development networks accept `provisional_create_canister_with_cycles`. */
export function isDevelopmentNetwork(network: NetworkDescription): boolean {
  return network.kind !== 'ic';
}

/** What to tell a user whose network does not answer. */
export function unreachableHint(network: NetworkDescription): string {
  if (network.kind === 'local') return 'Start the local network.';
  if (network.kind === 'ic') return 'Check your internet connection; mainnet boundary nodes did not answer.';
  return `Check that a replica is listening at ${network.url}.`;
}

/** What to tell a user whose network did not answer in time. */
export function timeoutHint(network: NetworkDescription): string {
  return `${unreachableHint(network)} For a slow network, raise the timeout with SOULRECALL_REQUEST_TIMEOUT_MS (milliseconds).`;
}

/** What to tell a user whose "network" answers, but not as the IC does. */
export function notAReplicaHint(network: NetworkDescription): string {
  if (network.kind === 'ic')
    return 'Something between you and mainnet (a proxy or captive portal?) answered instead of the IC; check your connection.';
  return `Check that ${network.url} is an IC replica or boundary node, and not some other server; the environment's \`network\` in soulrecall.yaml sets the URL.`;
}

/** The facts about a network an error carries, from which soulrecall's CLI words its own hints. */
export function networkDetails(network: NetworkDescription): { url: string; networkKind: NetworkDescription['kind'] } {
  return { url: network.url, networkKind: network.kind };
}
