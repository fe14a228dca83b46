import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { MemoryStore, type StoreSnapshot } from "./store";

const STATE_FILE = "state.bin";
const KEY_FILE = "state.key";
/** The first format: the whole store as one encrypted JSON document (read, never written). */
const MAGIC_DOCUMENT = Buffer.from("DPSEMU1\n");
/** The current format: the store's lines (MemoryStore.lines), encrypted as one stream. */
const MAGIC_LINES = Buffer.from("DPSEMU2\n");
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Plaintext per write (and per read): large enough to be quick, small enough to keep answering. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The store on disk. The state holds enrollment keys, policy keys and hub connection strings,
 * so it is encrypted (AES-256-GCM) with a key kept beside it in a 0600 file: secrets never sit
 * in plaintext files, and a copied state file alone reveals nothing.
 *
 * A DPS at its limit (1,000,000 individual enrollments) is most of a gigabyte of text: more than
 * one JavaScript string may hold, and seconds of work. So the file is a stream of lines, written
 * a few megabytes at a time with the event loop free between chunks (requests keep being
 * answered while it saves), and read back a chunk at a time at start. GCM's tag closes the file;
 * a reader checks it once every line is read, and refuses the whole state when it does not match.
 */
export class StateFile {
  private readonly key: Buffer;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private lines: (() => Iterable<string>) | undefined;
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

  private get path(): string {
    return join(this.dir, STATE_FILE);
  }

  private undecryptable(): Error {
    return new Error(
      `${this.path} cannot be decrypted with ${join(this.dir, KEY_FILE)}; delete the state folder to start afresh`,
    );
  }

  /** The stored store, or undefined when there is none yet. */
  load(): MemoryStore | undefined {
    if (!existsSync(this.path)) return undefined;
    const fd = openSync(this.path, "r");
    try {
      const size = fstatSync(fd).size;
      const magic = Buffer.alloc(MAGIC_LINES.length);
      readSync(fd, magic, 0, magic.length, 0);
      if (magic.equals(MAGIC_DOCUMENT)) return MemoryStore.fromSnapshot(this.loadDocument());
      if (!magic.equals(MAGIC_LINES) || size < MAGIC_LINES.length + IV_BYTES + TAG_BYTES)
        throw new Error(`${this.path} is not an emulator state file`);
      try {
        return MemoryStore.fromLines(this.readLines(fd, size));
      } catch {
        // A changed byte shows as a bad line before the tag at the end can say so: the same answer.
        throw this.undecryptable();
      }
    } finally {
      closeSync(fd);
    }
  }

  private loadDocument(): StoreSnapshot {
    const data = readFileSync(this.path);
    const iv = data.subarray(MAGIC_DOCUMENT.length, MAGIC_DOCUMENT.length + IV_BYTES);
    const tag = data.subarray(MAGIC_DOCUMENT.length + IV_BYTES, MAGIC_DOCUMENT.length + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAuthTag(tag);
    try {
      const body = data.subarray(MAGIC_DOCUMENT.length + IV_BYTES + TAG_BYTES);
      const plain = Buffer.concat([decipher.update(body), decipher.final()]);
      return JSON.parse(plain.toString("utf8")) as StoreSnapshot;
    } catch {
      throw this.undecryptable();
    }
  }

  /** The lines of a format-2 file, decrypted a chunk at a time; the tag is checked after the last. */
  private *readLines(fd: number, size: number): Generator<string> {
    const iv = Buffer.alloc(IV_BYTES);
    readSync(fd, iv, 0, IV_BYTES, MAGIC_LINES.length);
    const tag = Buffer.alloc(TAG_BYTES);
    readSync(fd, tag, 0, TAG_BYTES, size - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAuthTag(tag);
    const text = new StringDecoder("utf8");
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let rest = "";
    const end = size - TAG_BYTES;
    for (let at = MAGIC_LINES.length + IV_BYTES; at < end;) {
      const read = readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, end - at), at);
      if (read === 0) break;
      at += read;
      const lines = (rest + text.write(decipher.update(chunk.subarray(0, read)))).split("\n");
      rest = lines.pop() ?? "";
      yield* lines;
    }
    try {
      decipher.final();
    } catch {
      throw this.undecryptable();
    }
    rest += text.end();
    if (rest !== "") yield rest;
  }

  /** Starts saving: `lines` is read at each write. */
  track(lines: () => Iterable<string>): void {
    this.lines = lines;
  }

  /** Called on every store change. */
  changed(): void {
    this.dirty = true;
    // A large state (a million enrollments is most of a gigabyte) takes seconds to write: wait
    // at least twice as long as the last write took, so saving never dominates the machine.
    if (!this.timer)
      this.timer = setTimeout(() => void this.flush(), Math.max(this.delayMs, 2 * this.lastWriteMs));
  }

  /** Writes pending changes (atomically: temp file, then rename); resolves once they are on disk. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty || !this.lines) return this.writing;
    this.dirty = false;
    const lines = this.lines;
    this.writing = this.writing.then(() => this.write(lines)).catch((e: Error) => this.onError(e));
    return this.writing;
  }

  private async write(lines: () => Iterable<string>): Promise<void> {
    const started = performance.now();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const tmp = `${this.path}.${process.pid}.tmp`;
    const file = await open(tmp, "w", 0o600);
    try {
      const writeAll = async (data: Buffer) => {
        for (let at = 0; at < data.length;) at += (await file.write(data, at)).bytesWritten;
      };
      await writeAll(Buffer.concat([MAGIC_LINES, iv]));
      let batch: string[] = [];
      let batchBytes = 0;
      for (const line of lines()) {
        batch.push(line);
        batchBytes += line.length + 1;
        if (batchBytes >= CHUNK_BYTES) {
          await writeAll(cipher.update(batch.join("\n") + "\n", "utf8"));
          batch = [];
          batchBytes = 0;
          // Let waiting requests in before the next chunk.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (batch.length > 0) await writeAll(cipher.update(batch.join("\n") + "\n", "utf8"));
      await writeAll(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    this.lastWriteMs = performance.now() - started;
  }
}
