/**
 * Ids of synthesised events: above every real Events API id (GitHub's are about 5·10^10), in
 * the order of the time of the change (ms), so that the blocking lane, which runs in id order,
 * follows the time the changes happened. `taken` avoids ids already used in the repository.
 */
export const SYNTHETIC_BASE = 9n * 10n ** 18n;

export function syntheticEventId(timeMs: number, taken: (id: string) => boolean): string {
  let id = SYNTHETIC_BASE + BigInt(Math.max(0, Math.floor(timeMs))) * 1000n;
  while (taken(String(id))) id += 1n;
  return String(id);
}

export const isSyntheticId = (id: string): boolean =>
  /^\d+$/.test(id) && BigInt(id) >= SYNTHETIC_BASE;
