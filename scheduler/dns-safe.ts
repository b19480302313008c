/** Lowercase, `[^a-z0-9-]` → `-`, no leading/trailing dashes. */
export function dnsSafe(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
}
