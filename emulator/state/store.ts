import { idKey } from "../model/values";
import type {
  AccessPolicy,
  CaCertificateRecord,
  DpsSettings,
  EnrollmentGroupRecord,
  HubDevice,
  IndividualEnrollmentRecord,
  RegistrationRecord,
} from "./types";

/** A collection keyed by an id; DPS ids are case-insensitive, IoT Hub device ids are not. */
export interface KeyedCollection<T> extends Pageable<T> {
  get(id: string): T | undefined;
  set(id: string, value: T): void;
  delete(id: string): boolean;
  values(): IterableIterator<T>;
}

/** Items in a stable order (insertion order), read a page at a time. */
export interface Pageable<T> {
  readonly size: number;
  /** Items offset .. offset + count - 1; a page costs its own size, not the collection's. */
  page(offset: number, count: number): T[];
}

/** An array as a Pageable (a query's filtered items). */
export function pageableOf<T>(items: readonly T[]): Pageable<T> {
  return { size: items.length, page: (offset, count) => items.slice(offset, offset + count) };
}

/** Everything the emulator keeps. Handlers see only this interface. */
export interface EmulatorStore {
  settings(): DpsSettings;
  setSettings(settings: DpsSettings): void;
  policies(): readonly AccessPolicy[];
  setPolicies(policies: AccessPolicy[]): void;
  readonly enrollments: KeyedCollection<IndividualEnrollmentRecord>;
  readonly groups: KeyedCollection<EnrollmentGroupRecord>;
  readonly registrations: KeyedCollection<RegistrationRecord>;
  readonly certificates: KeyedCollection<CaCertificateRecord>;
  /** The simulated IoT Hub registry of one hub (created on first use). */
  hubDevices(hostName: string): KeyedCollection<HubDevice>;
  hubHostNames(): string[];
  /** Called after every change (the persister listens here). */
  onChange(listener: () => void): void;
}

/** The state file's first line (format 2): everything but the large collections. */
interface StoreHeader {
  version: 2;
  settings: DpsSettings;
  policies: AccessPolicy[];
  groups: EnrollmentGroupRecord[];
  certificates: CaCertificateRecord[];
}

/** The whole store as one JSON document: the state file's first format, still read. */
export interface StoreSnapshot {
  version: 1;
  settings: DpsSettings;
  policies: AccessPolicy[];
  enrollments: IndividualEnrollmentRecord[];
  groups: EnrollmentGroupRecord[];
  registrations: RegistrationRecord[];
  certificates: CaCertificateRecord[];
  hubs: Record<string, HubDevice[]>;
}

/** Records as objects: the small collections (groups, CAs, registrations, hub registries). */
class MapCollection<T> implements KeyedCollection<T> {
  private readonly map = new Map<string, T>();
  /** The values in order, kept between pages of a query until the next change. */
  private ordered: T[] | undefined;
  constructor(
    private readonly keyOf: (id: string) => string,
    private readonly changed: () => void,
  ) {}
  get(id: string): T | undefined {
    return this.map.get(this.keyOf(id));
  }
  set(id: string, value: T): void {
    this.map.set(this.keyOf(id), value);
    this.ordered = undefined;
    this.changed();
  }
  delete(id: string): boolean {
    const removed = this.map.delete(this.keyOf(id));
    if (removed) {
      this.ordered = undefined;
      this.changed();
    }
    return removed;
  }
  /** Loads a persisted value without signalling a change. */
  load(id: string, value: T): void {
    this.map.set(this.keyOf(id), value);
    this.ordered = undefined;
  }
  values(): IterableIterator<T> {
    return this.map.values();
  }
  page(offset: number, count: number): T[] {
    this.ordered ??= [...this.map.values()];
    return this.ordered.slice(offset, offset + count);
  }
  get size(): number {
    return this.map.size;
  }
}

/**
 * Records kept as their JSON text: the individual enrollments, which DPS holds up to 1,000,000 of
 * (the limits page: MicrosoftDocs/azure-docs includes/iot-dps-limits.md). A record as one flat
 * string costs about a third of the same record as objects, so a full DPS fits in well under
 * 2 GiB; a read parses one record (microseconds), so every `get` hands out a fresh copy and a
 * change must go through `set`, as everywhere in the emulator. The text is also what the state
 * file stores, so saving and loading copy strings instead of serialising objects.
 */
class PackedCollection<T> implements KeyedCollection<T> {
  private readonly map = new Map<string, string>();
  /** The keys in order, kept between pages of a query until an id is added or removed. */
  private orderedKeys: string[] | undefined;
  constructor(
    private readonly keyOf: (id: string) => string,
    private readonly changed: () => void,
  ) {}
  get(id: string): T | undefined {
    const text = this.map.get(this.keyOf(id));
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  set(id: string, value: T): void {
    const key = this.keyOf(id);
    // Replacing a value keeps its place in a Map's order: the page index stays valid.
    if (!this.map.has(key)) this.orderedKeys = undefined;
    this.map.set(key, JSON.stringify(value));
    this.changed();
  }
  delete(id: string): boolean {
    const removed = this.map.delete(this.keyOf(id));
    if (removed) {
      this.orderedKeys = undefined;
      this.changed();
    }
    return removed;
  }
  /** Loads a persisted record's text (already keyed) without signalling a change. */
  loadText(key: string, text: string): void {
    this.map.set(key, text);
    this.orderedKeys = undefined;
  }
  /** Loads a persisted value without signalling a change. */
  load(id: string, value: T): void {
    this.loadText(this.keyOf(id), JSON.stringify(value));
  }
  *values(): IterableIterator<T> {
    for (const text of this.map.values()) yield JSON.parse(text) as T;
  }
  /** [key, JSON text] of every record, for the state file. */
  texts(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  page(offset: number, count: number): T[] {
    this.orderedKeys ??= [...this.map.keys()];
    return this.orderedKeys.slice(offset, offset + count).map((key) => JSON.parse(this.map.get(key)!) as T);
  }
  get size(): number {
    return this.map.size;
  }
}

const caseSensitive = (id: string) => id;

export class MemoryStore implements EmulatorStore {
  private currentSettings: DpsSettings;
  private currentPolicies: AccessPolicy[];
  private readonly listeners: Array<() => void> = [];
  private readonly changed = () => this.listeners.forEach((l) => l());
  readonly enrollments = new PackedCollection<IndividualEnrollmentRecord>(idKey, this.changed);
  readonly groups = new MapCollection<EnrollmentGroupRecord>(idKey, this.changed);
  readonly registrations = new MapCollection<RegistrationRecord>(idKey, this.changed);
  readonly certificates = new MapCollection<CaCertificateRecord>(idKey, this.changed);
  private readonly hubs = new Map<string, MapCollection<HubDevice>>();

  constructor(settings: DpsSettings, policies: AccessPolicy[]) {
    this.currentSettings = settings;
    this.currentPolicies = policies;
  }

  settings(): DpsSettings {
    return this.currentSettings;
  }
  setSettings(settings: DpsSettings): void {
    this.currentSettings = settings;
    this.changed();
  }
  policies(): readonly AccessPolicy[] {
    return this.currentPolicies;
  }
  setPolicies(policies: AccessPolicy[]): void {
    this.currentPolicies = policies;
    this.changed();
  }
  hubDevices(hostName: string): KeyedCollection<HubDevice> {
    const key = hostName.toLowerCase();
    let hub = this.hubs.get(key);
    if (!hub) {
      hub = new MapCollection<HubDevice>(caseSensitive, this.changed);
      this.hubs.set(key, hub);
    }
    return hub;
  }
  hubHostNames(): string[] {
    return [...this.hubs.keys()];
  }
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * The store as the state file's lines (state/persistence.ts): a header with the small parts,
   * then one line per individual enrollment (`E`, its key and its text), registration (`R`) and
   * hub device (`D`, its hub). JSON never holds a raw tab or line break, so both separate fields.
   * A generator, so the file is written a chunk at a time between requests.
   */
  *lines(): Generator<string> {
    const header: StoreHeader = {
      version: 2,
      settings: this.currentSettings,
      policies: this.currentPolicies,
      groups: [...this.groups.values()],
      certificates: [...this.certificates.values()],
    };
    yield JSON.stringify(header);
    for (const [key, text] of this.enrollments.texts()) yield `E\t${JSON.stringify(key)}\t${text}`;
    for (const r of this.registrations.values()) yield `R\t${JSON.stringify(r)}`;
    for (const [host, devices] of this.hubs)
      for (const d of devices.values()) yield `D\t${JSON.stringify(host)}\t${JSON.stringify(d)}`;
  }

  /** Rebuilds a store from `lines()` output, without firing change listeners (it is on disk). */
  static fromLines(lines: Iterable<string>): MemoryStore {
    let store: MemoryStore | undefined;
    for (const line of lines) {
      if (!store) {
        const header = JSON.parse(line) as StoreHeader;
        if (header.version !== 2) throw new Error(`unknown state version ${String(header.version)}`);
        store = new MemoryStore(header.settings, header.policies);
        for (const g of header.groups) store.groups.load(g.enrollmentGroupId, g);
        for (const c of header.certificates) store.certificates.load(c.name, c);
        continue;
      }
      const kind = line.slice(0, 2);
      if (kind === "E\t") {
        const end = line.indexOf("\t", 2);
        store.enrollments.loadText(JSON.parse(line.slice(2, end)) as string, line.slice(end + 1));
      } else if (kind === "R\t") {
        const r = JSON.parse(line.slice(2)) as RegistrationRecord;
        store.registrations.load(r.registrationId, r);
      } else if (kind === "D\t") {
        const end = line.indexOf("\t", 2);
        const device = JSON.parse(line.slice(end + 1)) as HubDevice;
        (store.hubDevices(JSON.parse(line.slice(2, end)) as string) as MapCollection<HubDevice>).load(
          device.deviceId,
          device,
        );
      } else if (line !== "") throw new Error(`unknown state line kind ${JSON.stringify(kind)}`);
    }
    if (!store) throw new Error("the state holds no header");
    return store;
  }

  /** Loads a state file of the first format (one JSON document) without firing change listeners. */
  static fromSnapshot(snapshot: StoreSnapshot): MemoryStore {
    const store = new MemoryStore(snapshot.settings, snapshot.policies);
    const quiet = <T>(col: { load(id: string, value: T): void }, items: T[], id: (t: T) => string) => {
      for (const item of items) col.load(id(item), item);
    };
    quiet(store.enrollments, snapshot.enrollments, (e) => e.registrationId);
    quiet(store.groups, snapshot.groups, (g) => g.enrollmentGroupId);
    quiet(store.registrations, snapshot.registrations, (r) => r.registrationId);
    quiet(store.certificates, snapshot.certificates, (c) => c.name);
    for (const [host, devices] of Object.entries(snapshot.hubs)) {
      const hub = store.hubDevices(host) as MapCollection<HubDevice>;
      quiet(hub, devices, (d) => d.deviceId);
    }
    return store;
  }
}
