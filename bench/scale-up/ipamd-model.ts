/**
 * A per-node IPAM that behaves as the AWS VPC CNI's ipamd documents itself: every node calls
 * EC2 on its own, keeps WARM_ENI_TARGET whole ENIs of spare addresses, checks its pool every
 * 5 s, attaches ENIs as Create → DescribeInstances → Attach → Modify → Assign, frees only
 * whole unused ENIs (Detach, 2 s, Delete) at most every 30 s, backs off 120 s after a subnet
 * runs out, and retries with the SDK's standard retryer (10 retries). It is the baseline the
 * scale-up benchmark measures Ledger CNI against, on the same EC2 simulator.
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
  attachPollTries: 12,
} as const;

export interface IpamdNodeOptions {
  ec2: EC2Client;
  instanceId: string;
  subnetId: string;
  securityGroupIds: string[];
  clusterName: string;
  maxEnis: number;
  ipv4PerEni: number;
  warmEniTarget?: number;
  /** Reads an ENI's attachment status without an EC2 call, as ipamd polls IMDS. */
  attachmentStatus: (eniId: string) => string | undefined;
  /** Scales every timer, so a benchmark can run the same behaviour in less wall time. */
  timeScale?: number;
  onThrottled?: () => void;
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
  private readonly waiters: ((ip: string) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastScaleDown = 0;
  private backoffUntil = 0;
  private stopped = false;

  constructor(private readonly o: IpamdNodeOptions) {}

  private ms(value: number): number {
    return value * (this.o.timeScale ?? 1);
  }

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
    await this.tick();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A pod's ADD: an address now if the pool has one, else when the pool grows. */
  assign(): Promise<string> {
    const ip = this.free.shift();
    if (ip !== undefined) {
      this.assigned.add(ip);
      return Promise.resolve(ip);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  unassign(ip: string): void {
    if (this.assigned.delete(ip)) this.offer([ip]);
  }

  /** Addresses held by the node that no pod uses. */
  idle(): number {
    return this.free.length;
  }

  eniCount(): number {
    return this.enis.length;
  }

  private offer(addresses: string[]): void {
    for (const ip of addresses) {
      const waiter = this.waiters.shift();
      if (waiter) {
        this.assigned.add(ip);
        waiter(ip);
      } else {
        this.free.push(ip);
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.ms(IPAMD_TIMING.poolCheckMs));
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await this.grow();
      await this.shrink();
    } finally {
      this.busy = false;
    }
  }

  private perEni(): number {
    return this.o.ipv4PerEni - 1;
  }

  private warmWanted(): number {
    return this.perEni() * (this.o.warmEniTarget ?? 1) + this.waiters.length;
  }

  private async grow(): Promise<void> {
    if (Date.now() < this.backoffUntil) return;
    while (!this.stopped && this.free.length < this.warmWanted()) {
      const roomy = this.enis.find((e) => e.addresses.length < this.perEni());
      if (roomy) {
        await this.assignTo(roomy, this.perEni() - roomy.addresses.length);
        continue;
      }
      if (this.enis.length >= this.o.maxEnis) return;
      const created = await this.createEni();
      if (!created) return;
    }
  }

  private async assignTo(eni: EniSlot, count: number): Promise<void> {
    try {
      const out = await this.o.ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.eniId,
          SecondaryPrivateIpAddressCount: count,
        }),
      );
      const added = (out.AssignedPrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress!);
      eni.addresses.push(...added);
      this.offer(added);
    } catch (error) {
      this.noteFailure(error);
      throw error;
    }
  }

  private async createEni(): Promise<boolean> {
    const { ec2, instanceId } = this.o;
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
                { Key: TAGS.createdAt, Value: new Date().toISOString() },
                { Key: TAGS.clusterName, Value: this.o.clusterName },
              ],
            },
          ],
        }),
      );
      const eniId = created.NetworkInterface!.NetworkInterfaceId!;
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
      return true;
    } catch (error) {
      this.noteFailure(error);
      return false;
    }
  }

  private async waitAttached(eniId: string): Promise<void> {
    let delay: number = IPAMD_TIMING.attachPollMs;
    for (let i = 0; i < IPAMD_TIMING.attachPollTries; i++) {
      if (this.o.attachmentStatus(eniId) === 'attached') return;
      await sleep(this.ms(delay));
      delay = Math.min(delay * 2, 60_000);
    }
  }

  /** Frees whole ENIs that no pod uses, beyond the warm target, as ipamd does. */
  private async shrink(): Promise<void> {
    if (Date.now() - this.lastScaleDown < this.ms(IPAMD_TIMING.scaleDownMinMs)) return;
    this.lastScaleDown = Date.now();
    const surplus = this.free.length - this.warmWanted();
    if (surplus < this.perEni()) return;
    const idleEni = this.enis.find(
      (e) => e.deviceIndex > 0 && e.addresses.length > 0 && e.addresses.every((a) => !this.assigned.has(a)),
    );
    if (!idleEni) return;
    const { ec2 } = this.o;
    this.enis.splice(this.enis.indexOf(idleEni), 1);
    const gone = new Set(idleEni.addresses);
    this.free.splice(0, this.free.length, ...this.free.filter((a) => !gone.has(a)));
    const described = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [idleEni.eniId] }),
    );
    const attachmentId = described.NetworkInterfaces?.[0]?.Attachment?.AttachmentId;
    if (attachmentId) await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId }));
    await sleep(this.ms(IPAMD_TIMING.detachToDeleteMs));
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: idleEni.eniId }));
  }

  private noteFailure(error: unknown): void {
    const name = (error as { name?: string }).name;
    if (name === 'RequestLimitExceeded') this.o.onThrottled?.();
    if (name === 'InsufficientFreeAddressesInSubnet') {
      this.backoffUntil = Date.now() + this.ms(IPAMD_TIMING.insufficientAddressBackoffMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
