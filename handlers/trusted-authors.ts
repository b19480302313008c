import type { AuthorAssociation } from './payloads.js';

/**
 * The `author_association` values of people with write access to the repository: the only
 * authors whose chat-ops commands quickcd (and a handler following its lead) obeys.
 */
export const TRUSTED_AUTHOR_ASSOCIATIONS: ReadonlySet<AuthorAssociation> =
  new Set<AuthorAssociation>(['OWNER', 'MEMBER', 'COLLABORATOR']);

/**
 * Whether an `author_association` is exactly one of {@link TRUSTED_AUTHOR_ASSOCIATIONS}. Fails
 * closed: anything else — another string, a different case, an array such as `["OWNER"]`, a
 * missing value — is not trusted.
 */
export function isTrustedAuthor(association: unknown): boolean {
  return (
    typeof association === 'string' &&
    TRUSTED_AUTHOR_ASSOCIATIONS.has(association as AuthorAssociation)
  );
}
