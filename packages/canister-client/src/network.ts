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
  if (network.kind === 'local') return 'Start the local network with `soulrecall network start`.';
  if (network.kind === 'ic') return 'Check your internet connection; mainnet boundary nodes did not answer.';
  return `Check that a replica is listening at ${network.url} (for the embedded network: \`soulrecall network start\`).`;
}
