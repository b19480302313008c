import {
  DEFAULT_TRUSTED_ASSOCIATIONS,
  type AuthorAssociation,
} from '../common/author-associations.js';

export {
  AUTHOR_ASSOCIATIONS,
  DEFAULT_TRUSTED_ASSOCIATIONS,
} from '../common/author-associations.js';

const inForce = new Set<AuthorAssociation>(DEFAULT_TRUSTED_ASSOCIATIONS);

/**
 * The `author_association` values whose chat-ops commands quickcd (and a handler following its
 * lead) obeys: `QUICKCD_TRUSTED_ASSOCIATIONS` in the runner, by default OWNER, MEMBER and
 * COLLABORATOR. One set for the whole process: the runner sets it before any handler loads.
 */
export const TRUSTED_AUTHOR_ASSOCIATIONS: ReadonlySet<AuthorAssociation> = inForce;

/**
 * Makes `associations` the trusted set of this process ({@link TRUSTED_AUTHOR_ASSOCIATIONS}):
 * the runner calls it with its configuration before it loads the handlers. Not in the SDK.
 */
export function useTrustedAssociations(associations: readonly AuthorAssociation[]): void {
  inForce.clear();
  for (const association of associations) inForce.add(association);
}

/**
 * Whether an `author_association` is exactly one of `trusted` (default
 * {@link TRUSTED_AUTHOR_ASSOCIATIONS}). Fails closed: anything else — another string, a
 * different case, an array such as `["OWNER"]`, a missing value — is not trusted.
 */
export function isTrustedAuthor(
  association: unknown,
  trusted: ReadonlySet<string> = TRUSTED_AUTHOR_ASSOCIATIONS,
): boolean {
  return typeof association === 'string' && trusted.has(association);
}
