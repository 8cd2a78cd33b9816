import type { IdentityInfo, KeyType } from '@soulrecall/canister-client';
import type { Session } from './session.js';

/** The `identity` commands: thin wrappers around canister-client's IdentityStore (keys are never printed). */
export function createIdentity(session: Session, name: string, keyType: KeyType = 'ed25519'): IdentityInfo {
  return session.identities.create(name, keyType);
}

export function importIdentity(session: Session, name: string, from: string): IdentityInfo {
  return session.identities.import(name, from);
}

export function useIdentity(session: Session, name: string): IdentityInfo {
  session.identities.use(name);
  return session.identities.list().find((identity) => identity.name === name)!;
}

export function listIdentities(session: Session): IdentityInfo[] {
  return session.identities.list();
}

export function identityPrincipal(session: Session, name?: string): { name: string; principal: string } {
  const resolved = name ?? session.identities.selected();
  return { name: resolved, principal: session.identities.exportPrincipal(resolved) };
}
