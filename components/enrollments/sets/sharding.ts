/**
 * Which set holds a registration id: a stable hash of the lower-cased id (DPS ids are
 * case-insensitive) modulo the stack's shard count. It depends on nothing but the id, so moving
 * an entry between manifest files, or reordering them, changes nothing in DPS or in state.
 */

/** FNV-1a, 32 bits, over the UTF-8 bytes: tiny, stable across Node versions and platforms. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardIndex(registrationId: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1)
    throw new Error(`shard count is ${shardCount}; allowed: a whole number of at least 1`);
  return fnv1a32(registrationId.toLowerCase()) % shardCount;
}

/** `"07-of-32"`: sorts by index, and says the count, so a change of count never reuses a name. */
export function shardLabel(index: number, shardCount: number): string {
  const width = String(shardCount).length;
  return `${String(index).padStart(width, "0")}-of-${shardCount}`;
}

export function shardOf(registrationId: string, shardCount: number): string {
  return shardLabel(shardIndex(registrationId, shardCount), shardCount);
}
