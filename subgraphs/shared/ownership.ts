import { forbidden } from './errors.js';
import type { Caller } from './types.js';

/**
 * The staff scope: its holder reads every user's owner-only data (`User.email`,
 * `User.payments`, `Payment`). It grants no kind of data: the gateway still asks for `read:email`
 * and `read:payments` on those fields.
 */
export const STAFF_SCOPE = 'read:users:all';

/**
 * Object-level authorization (OWASP API1): whether `caller` may read the owner-only data of user
 * `ownerId`: its own, or anyone's with {@link STAFF_SCOPE}. Anonymous callers read nobody's. Pure.
 */
export function mayReadUser(caller: Caller | null, ownerId: string): boolean {
  return caller !== null && (caller.sub === ownerId || caller.scopes.includes(STAFF_SCOPE));
}

/**
 * Runs in the resolver of an owner-only field, before any data is loaded: throws FORBIDDEN unless
 * {@link mayReadUser}, so that field answers null with one error at its path and the rest of the
 * response is served. The message names no user and no value.
 */
export function checkOwner(caller: Caller | null, ownerId: string, what: string): void {
  if (!mayReadUser(caller, ownerId))
    throw forbidden(`Only its owner, or staff with ${STAFF_SCOPE}, may read this ${what}.`);
}
