/** The `author_association` values GitHub sends with a comment, issue or pull request. */
export type AuthorAssociation =
  | 'OWNER'
  | 'MEMBER'
  | 'COLLABORATOR'
  | 'CONTRIBUTOR'
  | 'FIRST_TIME_CONTRIBUTOR'
  | 'FIRST_TIMER'
  | 'MANNEQUIN'
  | 'NONE';

/** Every `author_association` value GitHub sends. */
export const AUTHOR_ASSOCIATIONS: readonly AuthorAssociation[] = [
  'OWNER',
  'MEMBER',
  'COLLABORATOR',
  'CONTRIBUTOR',
  'FIRST_TIME_CONTRIBUTOR',
  'FIRST_TIMER',
  'MANNEQUIN',
  'NONE',
];

/**
 * The default trusted set: people with write access to the repository (what
 * `QUICKCD_TRUSTED_ASSOCIATIONS` is when unset).
 */
export const DEFAULT_TRUSTED_ASSOCIATIONS: readonly AuthorAssociation[] = [
  'OWNER',
  'MEMBER',
  'COLLABORATOR',
];
