import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StoreSnapshot } from "./store";

const STATE_FILE = "state.bin";
const KEY_FILE = "state.key";
const MAGIC = Buffer.from("DPSEMU1\n");

/**
 * The store on disk. The state holds enrollment keys, policy keys and hub connection strings,
 * so it is encrypted (AES-256-GCM) with a key kept beside it in a 0600 file: secrets never sit
 * in plaintext files, and a copied state file alone reveals nothing.
 */
export class StateFile {
  private readonly key: Buffer;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private snapshot: (() => StoreSnapshot) | undefined;
  private lastWriteMs = 0;

  constructor(
    private readonly dir: string,
    private readonly onError: (e: Error) => void,
    /** Batch writes: a burst of changes becomes one write. */
    private readonly delayMs = 100,
  ) {
    const keyPath = join(dir, KEY_FILE);
    if (existsSync(keyPath)) this.key = Buffer.from(readFileSync(keyPath, "utf8").trim(), "base64");
    else {
      this.key = randomBytes(32);
      writeFileSync(keyPath, this.key.toString("base64"), { mode: 0o600 });
    }
    if (this.key.length !== 32)
      throw new Error(`${keyPath} is not a 32-byte base64 key; delete the state folder to start afresh`);
  }

  load(): StoreSnapshot | undefined {
    const path = join(this.dir, STATE_FILE);
    if (!existsSync(path)) return undefined;
    const data = readFileSync(path);
    if (!data.subarray(0, MAGIC.length).equals(MAGIC))
      throw new Error(`${path} is not an emulator state file`);
    const iv = data.subarray(MAGIC.length, MAGIC.length + 12);
    const tag = data.subarray(MAGIC.length + 12, MAGIC.length + 28);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAuthTag(tag);
    try {
      const plain = Buffer.concat([decipher.update(data.subarray(MAGIC.length + 28)), decipher.final()]);
      return JSON.parse(plain.toString("utf8")) as StoreSnapshot;
    } catch {
      throw new Error(
        `${path} cannot be decrypted with ${join(this.dir, KEY_FILE)}; delete the state folder to start afresh`,
      );
    }
  }

  /** Starts saving: `snapshot` is read at each write. */
  track(snapshot: () => StoreSnapshot): void {
    this.snapshot = snapshot;
  }

  /** Called on every store change. */
  changed(): void {
    this.dirty = true;
    // A large state (100,000 enrollments is tens of MB) takes a while to serialise: wait at
    // least twice as long as the last write took, so saving never dominates the event loop.
    if (!this.timer)
      this.timer = setTimeout(() => void this.flush(), Math.max(this.delayMs, 2 * this.lastWriteMs));
  }

  /** Writes pending changes (atomically: temp file, then rename). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty || !this.snapshot) return this.writing;
    this.dirty = false;
    const started = performance.now();
    const plain = Buffer.from(JSON.stringify(this.snapshot()), "utf8");
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const data = Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
    this.lastWriteMs = performance.now() - started;
    const path = join(this.dir, STATE_FILE);
    const tmp = `${path}.${process.pid}.tmp`;
    this.writing = this.writing
      .then(() => writeFile(tmp, data, { mode: 0o600 }))
      .then(() => rename(tmp, path))
      .catch((e: Error) => this.onError(e));
    return this.writing;
  }
}
