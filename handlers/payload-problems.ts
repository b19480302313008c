import type { GitHubEvent } from './event.js';
import { payloadSchemas } from './payload-schemas.js';

/**
 * What is wrong with a typed event's payload, one message per field
 * (`payload.head: expected string, got undefined`); empty when it is what the typings promise
 * or its type is not one quickcd types.
 */
export function payloadProblems(event: Pick<GitHubEvent, 'type' | 'payload'>): string[] {
  const schema = (
    payloadSchemas as Record<string, (typeof payloadSchemas)[keyof typeof payloadSchemas]>
  )[event.type];
  if (!schema) return [];
  const result = schema.safeParse(event.payload);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = ['payload', ...issue.path.map(String)].join('.');
    return `${field}: ${issue.message}`;
  });
}
