import type { IdentityInfo, KeyType } from '@soulrecall/canister-client';
import type { Session } from './session.js';

/** The `identity` commands: thin wrappers around canister-client's IdentityStore (keys are never printed). */
export async function createIdentity(session: Session, name: string, keyType: KeyType = 'ed25519'): Promise<IdentityInfo> {
  return (await session.identities()).create(name, keyType);
}

export async function importIdentity(session: Session, name: string, from: string): Promise<IdentityInfo> {
  return (await session.identities()).import(name, from);
}

export async function useIdentity(session: Session, name: string): Promise<IdentityInfo> {
  const identities = await session.identities();
  identities.use(name);
  return identities.list().find((identity) => identity.name === name)!;
}

export async function listIdentities(session: Session): Promise<IdentityInfo[]> {
  return (await session.identities()).list();
}

export async function identityPrincipal(session: Session, name?: string): Promise<{ name: string; principal: string }> {
  const identities = await session.identities();
  const resolved = name ?? identities.selected();
  return { name: resolved, principal: identities.exportPrincipal(resolved) };
}
