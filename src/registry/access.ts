import type { Principal } from '../context.js';

/** What a caller asks to do; each needs its own scope. */
export type RegistryAction =
  | { readonly kind: 'read' }
  | { readonly kind: 'publish'; readonly subgraph: string }
  | { readonly kind: 'operations' }
  | { readonly kind: 'admin' };

/**
 * Whether a verified caller may act: any valid token reads; checking or publishing subgraph X
 * needs `schema:publish:X` or `schema:publish:*`; registering operations `operations:publish`;
 * rollback `schema:admin`.
 */
export function mayAct(principal: Principal, action: RegistryAction): boolean {
  switch (action.kind) {
    case 'read':
      return true;
    case 'publish':
      return (
        principal.scopes.has(`schema:publish:${action.subgraph}`) ||
        principal.scopes.has('schema:publish:*')
      );
    case 'operations':
      return principal.scopes.has('operations:publish');
    case 'admin':
      return principal.scopes.has('schema:admin');
  }
}
