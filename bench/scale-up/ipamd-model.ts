/**
 * A per-node IPAM that behaves as the AWS VPC CNI's ipamd documents itself (REFERENCE.md
 * §1.3, §1.6): every node calls EC2 on its own with the SDK's standard retryer (10 retries)
 * and keeps WARM_ENI_TARGET whole ENIs of spare addresses. Its pool loop runs every 5 s and
 * makes one step per pass, as updateIPPoolIfRequired does: fill an attached ENI that has
 * room, and if the pool is still low attach one new ENI (Create → DescribeInstances →
 * Attach → ModifyNetworkInterfaceAttribute, wait for it in IMDS, Assign). It frees only
 * whole unused ENIs (Describe, Detach, 2 s, Delete) at most every 30 s, backs off 120 s
 * after a subnet runs out, and cools a pod's address for IP_COOLDOWN_PERIOD (30 s) before
 * reuse. Reconciling against IMDS costs no EC2 call while IMDS and the pool agree, which
 * they always do on the simulator, so the model makes none. An ADD with no free address
 * fails at once, as ipamd's does, and the runtime tries again.
 * It is the baseline the scale-up benchmark measures Ledger CNI against, on the same simulator.
 */
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { TAGS } from '../../core/contract/tags';

export const IPAMD_TIMING = {
  poolCheckMs: 5_000,
  scaleDownMinMs: 30_000,
  insufficientAddressBackoffMs: 120_000,
  detachToDeleteMs: 2_000,
  attachPollMs: 100,
  attachPollMaxMs: 60_000,
  attachPollTries: 12,
  ipCooldownMs: 30_000,
} as const;

export interface IpamdNodeOptions {
  ec2: EC2Client;
  instanceId: string;
  subnetId: string;
  securityGroupIds: string[];
  clusterName: string;
  maxEnis: number;
  ipv4PerEni: number;
  /** The node's max pods: ipamd never grows the pool past it. */
  maxPods: number;
  warmEniTarget?: number;
  /** Reads an ENI's attachment status without an EC2 call, as ipamd polls IMDS. */
  attachmentStatus: (eniId: string) => string | undefined;
  /** Scales every timer, so a benchmark can run the same behaviour in less wall time. */
  timeScale?: number;
  /** Called when an EC2 call failed for good on throttling, after the SDK's retries. */
  onThrottled?: () => void;
  clock?: () => number;
}

interface EniSlot {
  eniId: string;
  deviceIndex: number;
  addresses: string[];
}

export class IpamdNode {
  private readonly enis: EniSlot[] = [];
  private readonly free: string[] = [];
  private readonly assigned = new Set<string>();
  /** Address → when its cooldown ends. */
  private readonly cooling = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastScaleDown = 0;
  private backoffUntil = 0;
  private stopped = false;
  private readonly clock: () => number;

  constructor(private readonly o: IpamdNodeOptions) {
    this.clock = o.clock ?? Date.now;
  }

  private ms(value: number): number {
    return value * (this.o.timeScale ?? 1);
  }

  /** ipamd's init: the node's ENIs, subnet discovery, the primary ENI's tag; then the pool loop. */
  async start(): Promise<void> {
    const { ec2, instanceId } = this.o;
    const described = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }],
      }),
    );
    for (const eni of described.NetworkInterfaces ?? []) {
      const addresses = (eni.PrivateIpAddresses ?? [])
        .filter((a) => !a.Primary)
        .map((a) => a.PrivateIpAddress!);
      this.enis.push({
        eniId: eni.NetworkInterfaceId!,
        deviceIndex: eni.Attachment?.DeviceIndex ?? 0,
        addresses,
      });
      this.free.push(...addresses);
    }
    await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag-key', Values: [TAGS.subnetDiscovery] }] }),
    );
    const primary = this.enis.find((e) => e.deviceIndex === 0);
    if (primary) {
      await ec2.send(
        new CreateTagsCommand({
          Resources: [primary.eniId],
          Tags: [{ Key: TAGS.clusterName, Value: this.o.clusterName }],
        }),
      );
    }
    this.runPass();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A pod's ADD: a free address, or undefined when the pool has none (the ADD fails). */
  tryAssign(): string | undefined {
    this.expireCooling();
    const ip = this.free.shift();
    if (ip !== undefined) this.assigned.add(ip);
    return ip;
  }

  /** A pod's DEL: the address cools down before another pod may have it. */
  unassign(ip: string): void {
    if (this.assigned.delete(ip)) this.cooling.set(ip, this.clock() + this.ms(IPAMD_TIMING.ipCooldownMs));
  }

  /** Addresses held by the node that no pod uses (free or cooling). */
  idle(): number {
    return this.free.length + this.cooling.size;
  }

  /** Addresses cooling down after a pod left. */
  coolingCount(): number {
    this.expireCooling();
    return this.cooling.size;
  }

  eniCount(): number {
    return this.enis.length;
  }

  private expireCooling(): void {
    const now = this.clock();
    for (const [ip, until] of this.cooling) {
      if (until > now) continue;
      this.cooling.delete(ip);
      if (this.enis.some((e) => e.addresses.includes(ip))) this.free.push(ip);
    }
  }

  private runPass(): void {
    if (this.stopped) return;
    this.tick()
      .catch(() => undefined)
      .finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(() => this.runPass(), this.ms(IPAMD_TIMING.poolCheckMs));
      });
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      this.expireCooling();
      if (this.tooLow()) await this.grow();
      else await this.shrink();
    } finally {
      this.busy = false;
    }
  }

  private perEni(): number {
    return this.o.ipv4PerEni - 1;
  }

  private held(): number {
    return this.enis.reduce((n, e) => n + e.addresses.length, 0);
  }

  private warmWanted(): number {
    return this.perEni() * (this.o.warmEniTarget ?? 1);
  }

  /** ipamd's isDatastorePoolTooLow: fewer free addresses than the warm ENIs hold, and room left. */
  private tooLow(): boolean {
    return this.free.length < this.warmWanted() && this.held() < this.o.maxPods;
  }

  /** One step, as one pass of updateIPPoolIfRequired: fill an ENI with room, else attach one. */
  private async grow(): Promise<void> {
    if (this.clock() < this.backoffUntil) return;
    const roomy = this.enis.find((e) => e.addresses.length < this.perEni());
    if (roomy) {
      await this.assignTo(roomy, this.perEni() - roomy.addresses.length);
      if (!this.tooLow()) return;
    }
    if (this.enis.length < this.o.maxEnis) await this.createEni();
  }

  private async assignTo(eni: EniSlot, count: number): Promise<void> {
    const wanted = Math.min(count, Math.max(this.o.maxPods - this.held(), 0));
    if (wanted === 0) return;
    try {
      const out = await this.o.ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.eniId,
          SecondaryPrivateIpAddressCount: wanted,
        }),
      );
      const added = (out.AssignedPrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress!);
      eni.addresses.push(...added);
      this.free.push(...added);
    } catch (error) {
      this.noteFailure(error);
    }
  }

  private async createEni(): Promise<void> {
    const { ec2, instanceId } = this.o;
    let eniId: string | undefined;
    try {
      const created = await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: this.o.subnetId,
          Groups: this.o.securityGroupIds,
          Description: `aws-K8S-${instanceId}`,
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [
                { Key: TAGS.instanceId, Value: instanceId },
                { Key: TAGS.createdAt, Value: new Date(this.clock()).toISOString() },
                { Key: TAGS.clusterName, Value: this.o.clusterName },
              ],
            },
          ],
        }),
      );
      eniId = created.NetworkInterface!.NetworkInterfaceId!;
      const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const used = new Set(
        (described.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces ?? []).map(
          (n) => n.Attachment?.DeviceIndex,
        ),
      );
      let deviceIndex = 1;
      while (used.has(deviceIndex)) deviceIndex++;
      const attached = await ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: eniId,
          InstanceId: instanceId,
          DeviceIndex: deviceIndex,
        }),
      );
      await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: eniId,
          Attachment: { AttachmentId: attached.AttachmentId!, DeleteOnTermination: true },
        }),
      );
      await this.waitAttached(eniId);
      const slot: EniSlot = { eniId, deviceIndex, addresses: [] };
      this.enis.push(slot);
      await this.assignTo(slot, this.perEni());
    } catch (error) {
      this.noteFailure(error);
      // ipamd rolls a half-made ENI back by deleting it.
      if (eniId && !this.enis.some((e) => e.eniId === eniId)) {
        await ec2
          .send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }))
          .catch(() => undefined);
      }
    }
  }

  private async waitAttached(eniId: string): Promise<void> {
    let delay: number = IPAMD_TIMING.attachPollMs;
    for (let i = 0; i < IPAMD_TIMING.attachPollTries; i++) {
      if (this.o.attachmentStatus(eniId) === 'attached') return;
      await sleep(this.ms(delay));
      delay = Math.min(delay * 2, IPAMD_TIMING.attachPollMaxMs);
    }
  }

  /** Frees one whole ENI that no pod uses, beyond the warm target, at most every 30 s. */
  private async shrink(): Promise<void> {
    const now = this.clock();
    if (now - this.lastScaleDown < this.ms(IPAMD_TIMING.scaleDownMinMs)) return;
    if (this.free.length - this.warmWanted() < this.perEni()) return;
    const inUse = (a: string) => this.assigned.has(a) || this.cooling.has(a);
    const idleEni = [...this.enis]
      .sort((a, b) => b.deviceIndex - a.deviceIndex)
      .find((e) => e.deviceIndex > 0 && e.addresses.length > 0 && !e.addresses.some(inUse));
    if (!idleEni) return;
    this.lastScaleDown = now;
    const { ec2 } = this.o;
    this.enis.splice(this.enis.indexOf(idleEni), 1);
    const gone = new Set(idleEni.addresses);
    this.free.splice(0, this.free.length, ...this.free.filter((a) => !gone.has(a)));
    try {
      const described = await ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [idleEni.eniId] }),
      );
      const attachmentId = described.NetworkInterfaces?.[0]?.Attachment?.AttachmentId;
      if (attachmentId) await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId }));
      await sleep(this.ms(IPAMD_TIMING.detachToDeleteMs));
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: idleEni.eniId }));
    } catch (error) {
      this.noteFailure(error);
    }
  }

  private noteFailure(error: unknown): void {
    const name = (error as { name?: string }).name;
    if (name === 'RequestLimitExceeded') this.o.onThrottled?.();
    if (name === 'InsufficientFreeAddressesInSubnet') {
      this.backoffUntil = this.clock() + this.ms(IPAMD_TIMING.insufficientAddressBackoffMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
