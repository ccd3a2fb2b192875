import { EventEmitter } from 'node:events';
import type { Ec2ChangeEvent, Ec2ModelEvents } from '../events';
import { type Assigned, type AssignInput, assignAddresses, unassignAddresses } from './addresses';
import { attachInterface, detachInterface, interfacesOf } from './attachments';
import { type Filter, selectRecords } from './filters';
import {
  INSTANCE_FILTERS,
  type RunInstancesInput,
  runInstances,
  type StateChange,
  terminateInstances,
} from './instances';
import {
  type CreateInterfaceInput,
  createInterface,
  deleteInterface,
  INTERFACE_FILTERS,
  type ModifyInterfaceInput,
  modifyInterface,
} from './network-interfaces';
import type {
  InstanceRecord,
  NetworkInterfaceRecord,
  SecurityGroupRecord,
  SubnetRecord,
  TagMap,
  VpcRecord,
} from './records';
import { createSecurityGroup, SECURITY_GROUP_FILTERS } from './security-groups';
import { type AvailabilityZone, type Ec2Store, type Timing, zonesOf } from './store';
import { availableAddressCount } from './subnet-addresses';
import { type CreateSubnetInput, createSubnet, SUBNET_FILTERS } from './subnets';
import { createTags, deleteTags, type TagInput } from './tags';
import { createVpc, VPC_FILTERS } from './vpcs';

export interface Ec2ModelOptions {
  readonly region?: string;
  readonly ownerId?: string;
  readonly timing?: Partial<Timing>;
  /** Where a failing change listener is reported (default: a process warning). */
  readonly onListenerError?: (error: unknown, event: Ec2ChangeEvent) => void;
}

const warnListenerError = (error: unknown, event: Ec2ChangeEvent): void => {
  process.emitWarning(`EC2 simulator change listener failed on ${event.kind}: ${String(error)}`);
};

/**
 * The simulated EC2 state of one account in one Region. The HTTP front end and scenario files
 * change it through the methods below; other local parts read it and listen to 'change'.
 */
export class Ec2Model extends EventEmitter<Ec2ModelEvents> {
  readonly region: string;
  readonly ownerId: string;
  private readonly store: Ec2Store;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly onListenerError: (error: unknown, event: Ec2ChangeEvent) => void;

  constructor(options: Ec2ModelOptions = {}) {
    super();
    this.region = options.region ?? 'us-east-1';
    this.ownerId = options.ownerId ?? '111122223333';
    this.onListenerError = options.onListenerError ?? warnListenerError;
    this.store = {
      region: this.region,
      ownerId: this.ownerId,
      zones: zonesOf(this.region),
      timing: {
        attachDelayMs: 100,
        detachDelayMs: 100,
        launchDelayMs: 0,
        terminateDelayMs: 0,
        ...options.timing,
      },
      vpcs: new Map(),
      subnets: new Map(),
      securityGroups: new Map(),
      instances: new Map(),
      interfaces: new Map(),
      deletedInterfaces: new Map(),
      clientTokens: new Map(),
      emit: (event) => this.announce(event),
      schedule: (ms, fn) => this.schedule(ms, fn),
    };
  }

  get timing(): Timing {
    return this.store.timing;
  }

  get zones(): readonly AvailabilityZone[] {
    return this.store.zones;
  }

  /** Idempotency tokens (ClientToken) of create calls, shared by the actions that honour them. */
  get clientTokens(): Ec2Store['clientTokens'] {
    return this.store.clientTokens;
  }

  /**
   * A listener's failure must not abort an EC2 call halfway through its changes, so it is
   * reported (a process warning by default) instead of thrown into the action.
   */
  private announce(event: Ec2ChangeEvent): void {
    // rawListeners keeps once() semantics: its wrappers remove themselves when called.
    for (const listener of this.rawListeners('change')) {
      try {
        (listener as (e: Ec2ChangeEvent) => void)(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  private schedule(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Cancels pending state transitions; the simulator calls it on stop. */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.removeAllListeners();
  }

  // Reads.
  getVpc(id: string): VpcRecord | undefined {
    return this.store.vpcs.get(id);
  }
  getSubnet(id: string): SubnetRecord | undefined {
    return this.store.subnets.get(id);
  }
  getSecurityGroup(id: string): SecurityGroupRecord | undefined {
    return this.store.securityGroups.get(id);
  }
  getInstance(id: string): InstanceRecord | undefined {
    return this.store.instances.get(id);
  }
  getNetworkInterface(id: string): NetworkInterfaceRecord | undefined {
    return this.store.interfaces.get(id);
  }
  /** An interface by id, including one deleted earlier (for idempotent retries of its creation). */
  getNetworkInterfaceEver(id: string): NetworkInterfaceRecord | undefined {
    return this.store.interfaces.get(id) ?? this.store.deletedInterfaces.get(id);
  }
  availableAddressCount(subnet: SubnetRecord): number {
    return availableAddressCount(subnet);
  }
  /** Interfaces of an instance, ordered by device index. */
  interfacesOfInstance(instanceId: string): NetworkInterfaceRecord[] {
    return interfacesOf(this.store, instanceId);
  }
  listVpcs(filters: readonly Filter[] = []): VpcRecord[] {
    return selectRecords(this.store.vpcs.values(), filters, VPC_FILTERS);
  }
  listSubnets(filters: readonly Filter[] = []): SubnetRecord[] {
    return selectRecords(this.store.subnets.values(), filters, SUBNET_FILTERS);
  }
  listSecurityGroups(filters: readonly Filter[] = []): SecurityGroupRecord[] {
    return selectRecords(this.store.securityGroups.values(), filters, SECURITY_GROUP_FILTERS);
  }
  listInstances(filters: readonly Filter[] = []): InstanceRecord[] {
    return selectRecords(this.store.instances.values(), filters, INSTANCE_FILTERS);
  }
  listNetworkInterfaces(filters: readonly Filter[] = []): NetworkInterfaceRecord[] {
    return selectRecords(this.store.interfaces.values(), filters, INTERFACE_FILTERS);
  }

  // Changes.
  createVpc(input: { cidrBlock: string; tags?: TagMap }): VpcRecord {
    return createVpc(this.store, { cidrBlock: input.cidrBlock, tags: input.tags ?? new Map() });
  }
  createSubnet(input: Omit<CreateSubnetInput, 'tags'> & { tags?: TagMap }): SubnetRecord {
    return createSubnet(this.store, { ...input, tags: input.tags ?? new Map() });
  }
  createSecurityGroup(input: {
    groupName: string;
    description: string;
    vpcId: string;
    tags?: TagMap;
  }): SecurityGroupRecord {
    return createSecurityGroup(this.store, { ...input, tags: input.tags ?? new Map() });
  }
  runInstances(input: RunInstancesInput): InstanceRecord[] {
    return runInstances(this.store, input);
  }
  terminateInstances(instanceIds: readonly string[]): StateChange[] {
    return terminateInstances(this.store, instanceIds);
  }
  createNetworkInterface(input: CreateInterfaceInput): NetworkInterfaceRecord {
    return createInterface(this.store, input);
  }
  deleteNetworkInterface(eniId: string): void {
    deleteInterface(this.store, eniId);
  }
  modifyNetworkInterface(eniId: string, input: ModifyInterfaceInput): void {
    modifyInterface(this.store, eniId, input);
  }
  attachNetworkInterface(eniId: string, instanceId: string, deviceIndex: number): string {
    return attachInterface(this.store, eniId, instanceId, deviceIndex);
  }
  detachNetworkInterface(attachmentId: string): void {
    detachInterface(this.store, attachmentId);
  }
  assignPrivateAddresses(eniId: string, input: AssignInput): Assigned {
    return assignAddresses(this.store, eniId, input);
  }
  unassignPrivateAddresses(
    eniId: string,
    input: { addresses: readonly string[]; prefixes: readonly string[] },
  ): void {
    unassignAddresses(this.store, eniId, input);
  }
  createTags(resourceIds: readonly string[], tags: readonly TagInput[]): void {
    createTags(this.store, resourceIds, tags);
  }
  deleteTags(resourceIds: readonly string[], tags: readonly TagInput[]): void {
    deleteTags(this.store, resourceIds, tags);
  }
}
