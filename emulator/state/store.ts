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
export interface KeyedCollection<T> {
  get(id: string): T | undefined;
  set(id: string, value: T): void;
  delete(id: string): boolean;
  values(): IterableIterator<T>;
  readonly size: number;
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

/** Serialisable form of the whole store. */
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

class MapCollection<T> implements KeyedCollection<T> {
  private readonly map = new Map<string, T>();
  constructor(
    private readonly keyOf: (id: string) => string,
    private readonly changed: () => void,
  ) {}
  get(id: string): T | undefined {
    return this.map.get(this.keyOf(id));
  }
  set(id: string, value: T): void {
    this.map.set(this.keyOf(id), value);
    this.changed();
  }
  delete(id: string): boolean {
    const removed = this.map.delete(this.keyOf(id));
    if (removed) this.changed();
    return removed;
  }
  /** Loads a persisted value without signalling a change. */
  load(id: string, value: T): void {
    this.map.set(this.keyOf(id), value);
  }
  values(): IterableIterator<T> {
    return this.map.values();
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
  readonly enrollments = new MapCollection<IndividualEnrollmentRecord>(idKey, this.changed);
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

  snapshot(): StoreSnapshot {
    const hubs: Record<string, HubDevice[]> = {};
    for (const [host, devices] of this.hubs) hubs[host] = [...devices.values()];
    return {
      version: 1,
      settings: this.currentSettings,
      policies: this.currentPolicies,
      enrollments: [...this.enrollments.values()],
      groups: [...this.groups.values()],
      registrations: [...this.registrations.values()],
      certificates: [...this.certificates.values()],
      hubs,
    };
  }

  /** Loads a snapshot without firing change listeners (it is already on disk). */
  static fromSnapshot(snapshot: StoreSnapshot): MemoryStore {
    const store = new MemoryStore(snapshot.settings, snapshot.policies);
    const quiet = <T>(col: MapCollection<T>, items: T[], id: (t: T) => string) => {
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
