import { afterEach, describe, expect, it } from 'vitest';
import * as sdk from '../../../handlers/index.js';
import { parseEvent } from '../../../handlers/event.js';
import {
  DEFAULT_TRUSTED_ASSOCIATIONS,
  isTrustedAuthor,
  TRUSTED_AUTHOR_ASSOCIATIONS,
  useTrustedAssociations,
} from '../../../handlers/trusted-authors.js';
import { parseBuiltinCommand } from '../../../scheduler/builtin-command.js';
import { makeEvent } from '../../support/fixtures.js';

const command = (association: unknown) =>
  parseBuiltinCommand(
    parseEvent(
      makeEvent('IssueCommentEvent', {
        action: 'created',
        issue: { number: 1 },
        comment: { body: '/quickcd skip 1', author_association: association, user: { login: 'x' } },
      }),
    ),
  );

describe('trusted authors: by default write access, exact strings only', () => {
  it('trusts exactly OWNER, MEMBER and COLLABORATOR', () => {
    expect([...TRUSTED_AUTHOR_ASSOCIATIONS]).toEqual(['OWNER', 'MEMBER', 'COLLABORATOR']);
    for (const a of ['OWNER', 'MEMBER', 'COLLABORATOR']) expect(isTrustedAuthor(a)).toBe(true);
    for (const a of [['OWNER'], 'owner', ' OWNER', 'CONTRIBUTOR', 'NONE', undefined, null, {}]) {
      expect(isTrustedAuthor(a)).toBe(false);
    }
  });

  it('is what the built-in commands obey: an array such as ["OWNER"] is not trusted', () => {
    expect(command('OWNER')?.trusted).toBe(true);
    expect(command(['OWNER'])?.trusted).toBe(false);
    expect(command({ toString: () => 'OWNER' })?.trusted).toBe(false);
  });

  it('is exported from the SDK for handlers', () => {
    expect(sdk.TRUSTED_AUTHOR_ASSOCIATIONS).toBe(TRUSTED_AUTHOR_ASSOCIATIONS);
    expect(sdk.isTrustedAuthor).toBe(isTrustedAuthor);
  });
});

describe('trusted authors: the configured set (QUICKCD_TRUSTED_ASSOCIATIONS)', () => {
  afterEach(() => useTrustedAssociations(DEFAULT_TRUSTED_ASSOCIATIONS));

  it('checks against a given set, exactly', () => {
    const narrow = new Set(['OWNER']);
    expect(isTrustedAuthor('OWNER', narrow)).toBe(true);
    expect(isTrustedAuthor('MEMBER', narrow)).toBe(false);
    expect(isTrustedAuthor(['OWNER'], narrow)).toBe(false);
  });

  it('is the set the runner puts in force, for the SDK and the built-in commands alike', () => {
    useTrustedAssociations(['OWNER', 'CONTRIBUTOR']);
    expect([...sdk.TRUSTED_AUTHOR_ASSOCIATIONS]).toEqual(['OWNER', 'CONTRIBUTOR']);
    expect(sdk.isTrustedAuthor('CONTRIBUTOR')).toBe(true);
    expect(sdk.isTrustedAuthor('MEMBER')).toBe(false);
    const custom = parseBuiltinCommand(
      parseEvent(
        makeEvent('IssueCommentEvent', {
          action: 'created',
          issue: { number: 1 },
          comment: { body: '/quickcd skip 1', author_association: 'CONTRIBUTOR' },
        }),
      ),
      new Set(['CONTRIBUTOR']),
    );
    expect(custom?.trusted).toBe(true);
  });
});
