import { createPublicKey, verify } from 'node:crypto';
import type { ServerState } from './state.js';

export type JwtCheck = { ok: true; appId: string } | { ok: false; message: string };

const UNDECODABLE = 'A JSON web token could not be decoded';

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a GitHub App JWT as GitHub does: RS256, `iat` not in the future (60 s of skew
 * allowed), `exp` in the future and at most 10 minutes after `iat`. When an app with this
 * `iss` was registered, the signature is verified with its public key; JWTs of unregistered
 * apps are accepted unverified.
 */
export function checkAppJwt(state: ServerState, jwt: string): JwtCheck {
  const [headerPart, payloadPart, signaturePart] = jwt.split('.');
  const header = decodePart(headerPart);
  const payload = decodePart(payloadPart);
  if (!header || !payload || signaturePart === undefined || header.alg !== 'RS256')
    return { ok: false, message: UNDECODABLE };
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp, iss } = payload;
  if (typeof iat !== 'number' || iat > now + 60)
    return {
      ok: false,
      message: "'Issued at' claim ('iat') must be an Integer representing a time in the past.",
    };
  if (typeof exp !== 'number' || exp <= now)
    return {
      ok: false,
      message:
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    };
  if (exp - iat > 660)
    return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future." };
  if ((typeof iss !== 'number' && typeof iss !== 'string') || String(iss) === '')
    return { ok: false, message: "'Issuer' claim ('iss') must be an Integer." };
  const appId = String(iss);
  const keys = [...state.apps.values()].filter((a) => a.appId === appId);
  if (keys.length === 0) return { ok: true, appId };
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid = keys.some((app) => {
    try {
      return verify('RSA-SHA256', signed, createPublicKey(app.publicKeyPem), signature);
    } catch {
      return false;
    }
  });
  return valid ? { ok: true, appId } : { ok: false, message: UNDECODABLE };
}
