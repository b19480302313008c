import { describe, expect, it } from 'vitest';
import * as sdk from '../../../handlers/index.js';
import { parseEvent } from '../../../handlers/event.js';
import { isTrustedAuthor, TRUSTED_AUTHOR_ASSOCIATIONS } from '../../../handlers/trusted-authors.js';
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

describe('trusted authors: one constant, exact strings only', () => {
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
