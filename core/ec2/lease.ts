/**
 * Leasing addresses to a node, serialized per node by the node lock:
 *   1. a retry of a request that already answered gets the stored answer;
 *   2. a crashed attempt of the same request is finished (its ENI attached, its assigned
 *      addresses recorded);
 *   3. the node's own cooled-down addresses, then its carved prefixes' spare, are reused
 *      (no EC2 call);
 *   4. room on attached ENIs, as the ledger counts it: one AssignPrivateIpAddresses per ENI
 *      (on a carving node, one for whole /28 prefixes and one for the odd addresses);
 *   5. new ENIs in the best subnet, created holding their addresses, until the node's ENI cap.
 * Fewer addresses than asked is a success; none is a 409 with the reason.
 */
import type { LeasedAddress, LeaseRequest, LeaseResponse } from '../contract/api';
import { CapacityError, DependencyError } from '../errors';
import {
  type AddressRecord,
  deleteIntent,
  type EniRecord,
  getEni,
  getIntent,
  INTENT_STEPS,
  type LeaseIntent,
  listNodeAddresses,
  listNodeEnis,
  type NodeRecord,
  notRecordedFor,
  storeAnswer,
} from '../ledger';
import { PREFIX_SIZE } from '../net/ipv4';
import { type AddressKind, assignInEc2, assignOnEni, recordLeases } from './assign';
import { DEFAULT_MAX_BUDGET_WAIT_MS, Ec2BudgetSpentError, WarmPoolDeferredError } from './budget';
import { CAPACITY_REASONS, type CapacityReason, capacityError } from './capacity';
import {
  addressesHeld,
  carvePlan,
  prefixReserve,
  recordCarved,
  slotsUsedByEni,
  spareAddresses,
} from './carve';
import { type ControlPlaneContext, stepDone } from './context';
import { describeEnis, roomOn, secondaryAddressesOf } from './describe';
import { leasedEniOf } from './eni-records';
import { abandonEni, advance, attachAndRecord, createEni } from './grow-eni';
import { onceUnderNodeLock } from './node-operation';
import { candidateSubnets } from './subnet-discovery';
import { deferWarmTopUpWithoutSurplus } from './warm-top-up';

export const LEASE_OPERATION = 'lease';

export async function leaseAddresses(
  ctx: ControlPlaneContext,
  instanceId: string,
  request: LeaseRequest,
): Promise<LeaseResponse> {
  await deferWarmTopUpWithoutSurplus(ctx, instanceId, LEASE_OPERATION, request);
  return onceUnderNodeLock(ctx, instanceId, LEASE_OPERATION, request, async (ctx, node) => {
    const key = request.idempotencyKey;
    const kind: AddressKind = request.prefixes !== undefined ? 'prefix' : 'ipv4';
    const want = request.prefixes ?? request.ipv4 ?? 0;
    const now = ctx.ledger.now().toISOString();
    const crashed = await getIntent(ctx.ledger, instanceId, key);
    const intent: LeaseIntent = crashed ?? {
      instanceId,
      intentId: key,
      step: INTENT_STEPS.started,
      createdAt: now,
      updatedAt: now,
    };
    const forPods = request.forPods ?? want * (kind === 'prefix' ? PREFIX_SIZE : 1);
    const run = new LeaseRun(ctx, node, intent, kind, want, forPods);
    try {
      // Inside the try: a budget refusal while finishing a crashed attempt leaves work half
      // done, which only a retry with the same key finishes.
      if (crashed) await run.finishCrashedAttempt();
      await run.reuseCooled();
      await run.untilBudgetSpent(() => run.fillAttachedEnis(true));
      await run.untilBudgetSpent(() => run.addEnis());
      // New ENIs were not to be had: the attached ENIs' room after all.
      await run.untilBudgetSpent(() => run.fillAttachedEnis(false));
    } catch (error) {
      if (!(error instanceof Ec2BudgetSpentError)) throw error;
      // Refused before anything reached EC2: no half-done work for a retry or the reconciler,
      // and the node may ask afresh.
      if (!crashed && !run.reachedEc2) {
        await deleteIntent(ctx.ledger, instanceId, key);
        throw error;
      }
      // Work is half done: only a retry with the same key finishes it.
      throw new DependencyError(`${error.message}; the lease is half done, so retry it with the same key`);
    }
    if (run.granted.length === 0)
      throw capacityError(run.reason ?? CAPACITY_REASONS.eniLimitReached, run.why());
    const answer: LeaseResponse = { leaseId: key, addresses: run.granted };
    await storeAnswer(ctx.ledger, instanceId, LEASE_OPERATION, key, request, answer);
    await stepDone(ctx, 'answer-stored', { leaseId: key });
    await deleteIntent(ctx.ledger, instanceId, key);
    ctx.log.info('lease granted', { instanceId, leaseId: key, kind, want, granted: run.granted.length });
    return answer;
  });
}

/**
 * How long a lease keeps adding EC2 calls: past it, what it holds is answered. It keeps the
 * answer well inside the node's 30 s wait for it (budget queues can add seconds per call).
 */
const LEASE_TIME_BOUND_MS = 15_000;

class LeaseRun {
  readonly granted: LeasedAddress[] = [];
  reason?: CapacityReason;
  /** True once a call that assigns addresses or creates an ENI was sent to EC2. */
  reachedEc2 = false;
  private budgetSpent = false;
  /** EC2 had no aligned /28 free in the subnet: the rest of this lease takes single addresses. */
  private prefixesRefused = false;
  private readonly deadline = Date.now() + LEASE_TIME_BOUND_MS;
  private detail = '';

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly node: NodeRecord,
    private readonly intent: LeaseIntent,
    private readonly kind: AddressKind,
    private readonly want: number,
    /** Addresses of this lease that pods wait for now; calls past them are warm-pool top-ups. */
    private readonly forPods: number,
  ) {}

  /**
   * Runs a step that calls EC2; when the EC2 budget is spent for longer than a request may
   * wait, what the lease already holds is answered (fewer than asked is a success, and the
   * node asks again for the rest) rather than failing the whole request.
   */
  async untilBudgetSpent(step: () => Promise<void>): Promise<void> {
    if (this.budgetSpent) return;
    if (this.granted.length > 0 && Date.now() >= this.deadline) return;
    try {
      await step();
    } catch (error) {
      if (!(error instanceof Ec2BudgetSpentError) || this.granted.length === 0) throw error;
      this.budgetSpent = true;
      this.ctx.log.warn('EC2 budget spent: answering the addresses leased so far', {
        instanceId: this.node.instanceId,
        leaseId: this.intent.intentId,
        granted: this.granted.length,
        want: this.want,
      });
    }
  }

  private get remaining(): number {
    return this.want - this.granted.length;
  }

  private get podsStillWaiting(): boolean {
    return this.granted.length * (this.kind === 'prefix' ? PREFIX_SIZE : 1) < this.forPods;
  }

  private get carving(): boolean {
    return this.kind === 'ipv4' && this.node.carvesPrefixes === true && !this.prefixesRefused;
  }

  /** ENIs that hold pod addresses: with custom networking the primary ENI does not. */
  private async podEnis(): Promise<EniRecord[]> {
    return this.podEnisOf(await listNodeEnis(this.ctx.ledger, this.node.instanceId));
  }

  private podEnisOf(enis: EniRecord[]): EniRecord[] {
    return enis.filter((e) => e.role === 'secondary' || !this.node.customNetwork);
  }

  async finishCrashedAttempt(): Promise<void> {
    if (this.intent.eniId && !(await getEni(this.ctx.ledger, this.node.instanceId, this.intent.eniId))) {
      const [eni] = await describeEnis(this.ctx.ec2, [this.intent.eniId]);
      const subnetCidr = eni
        ? (await candidateSubnets(this.ctx, this.node)).find((s) => s.subnetId === eni.SubnetId)?.cidr
        : undefined;
      if (eni && subnetCidr) await attachAndRecord(this.ctx, this.node, this.intent, eni, subnetCidr);
      else if (!eni) await abandonEni(this.ctx, this.intent);
    }
    const recorded = await listNodeAddresses(this.ctx.ledger, this.node.instanceId);
    const enis = await this.podEnis();
    // Addresses the crashed attempt already recorded for this lease are part of its answer.
    for (const a of recorded) {
      const eni = enis.find((e) => e.eniId === a.eniId);
      if (a.state === 'leased' && a.leaseId === this.intent.intentId && a.kind === this.kind && eni) {
        this.granted.push({ address: a.address, kind: a.kind, eni: leasedEniOf(eni) });
      }
    }
    // Addresses on the node's ENIs that the ledger does not know were assigned for this request.
    const known = new Set(recorded.map((a) => a.address));
    const described = await describeEnis(
      this.ctx.ec2,
      enis.map((e) => e.eniId),
    );
    for (const record of enis) {
      const eni = described.find((d) => d.NetworkInterfaceId === record.eniId);
      if (!eni || this.remaining <= 0) continue;
      const held = secondaryAddressesOf(eni);
      const unrecorded = (list: string[]) =>
        notRecordedFor(
          this.ctx.ledger,
          this.node.instanceId,
          list.filter((a) => !known.has(a)),
        );
      if (this.carving) {
        const uncarved = await unrecorded(held.prefixes);
        this.granted.push(
          ...(await recordCarved(this.ctx, record, uncarved, this.remaining, this.intent.intentId)),
        );
      }
      const unknown = await unrecorded(this.kind === 'prefix' ? held.prefixes : held.ipv4);
      this.granted.push(
        ...(await recordLeases(
          this.ctx,
          record,
          this.kind,
          unknown.slice(0, this.remaining),
          this.intent.intentId,
        )),
      );
    }
  }

  async reuseCooled(): Promise<void> {
    if (this.remaining <= 0) return;
    const now = this.ctx.ledger.now().getTime();
    const enis = new Map((await this.podEnis()).map((e) => [e.eniId, e]));
    const records = await listNodeAddresses(this.ctx.ledger, this.node.instanceId);
    const cooled = records.filter(
      (a: AddressRecord) =>
        a.state === 'cooling' && a.kind === this.kind && (a.coolingUntil ?? 0) <= now && enis.has(a.eniId),
    );
    for (const address of cooled.slice(0, this.remaining)) {
      this.granted.push(
        ...(await recordLeases(
          this.ctx,
          enis.get(address.eniId)!,
          this.kind,
          [address.address],
          this.intent.intentId,
          { carvedFrom: address.carvedFrom, releasedBy: address.releasedBy, over: 'cooled' },
        )),
      );
    }
    if (this.kind !== 'ipv4') return;
    const spare = spareAddresses(records).filter((a) => enis.has(a.eniId));
    for (const address of spare.slice(0, Math.max(0, this.remaining))) {
      this.granted.push(
        ...(await recordLeases(
          this.ctx,
          enis.get(address.eniId)!,
          'ipv4',
          [address.address],
          this.intent.intentId,
          { carvedFrom: address.prefix, over: 'unrecorded' },
        )),
      );
    }
  }

  /**
   * The ledger holds every address the cluster assigned on the node's ENIs (primary,
   * leased, cooling), so it knows their room without a Describe; EC2 is asked only when it
   * disagrees (addresses assigned outside the cluster).
   */
  async fillAttachedEnis(mayLeaveToNewEnis: boolean): Promise<void> {
    if (this.remaining <= 0) return;
    const allEnis = await listNodeEnis(this.ctx.ledger, this.node.instanceId);
    const enis = this.podEnisOf(allEnis);
    const records = await listNodeAddresses(this.ctx.ledger, this.node.instanceId);
    const slotsUsed = slotsUsedByEni(records);
    let held = addressesHeld(records);
    // An ENI whose primary address is not recorded yet counts it anyway.
    const roomOf = (eniId: string) =>
      Math.max(0, this.node.limits.ipv4PerEni - Math.max(1, slotsUsed.get(eniId) ?? 0));
    const roomOnAttached = enis.reduce((sum, e) => sum + roomOf(e.eniId), 0);
    // A carving node's slots hold 16 addresses each: new ENIs would not save a call.
    if (mayLeaveToNewEnis && !this.carving && this.newEnisCoverTheTopUp(roomOnAttached, allEnis.length))
      return;
    for (const record of enis) {
      if (this.remaining <= 0) return;
      const room = roomOf(record.eniId);
      if (room === 0) continue;
      if (this.carving) {
        held += await this.carveOnto(record, room, held);
        continue;
      }
      const limited = await this.assign(record, Math.min(room, this.remaining));
      if (limited) await this.assignWithRoomFromEc2(record);
    }
  }

  /**
   * Whole prefixes, then single addresses for a small remainder (or for all of it when EC2
   * has no aligned /28 left); answers how many addresses the ENI holds more.
   */
  private async carveOnto(record: EniRecord, room: number, held: number): Promise<number> {
    const plan = carvePlan(this.remaining, room, prefixReserve(this.node.limits.maxPods, held));
    const carved = plan.prefixes > 0 ? await this.carve(record, plan.prefixes) : 0;
    const singles = Math.min(this.carving ? plan.singles : room - carved, this.remaining);
    if (singles <= 0) return carved * PREFIX_SIZE;
    const before = this.granted.length;
    const limited = await this.assign(record, singles);
    if (limited) await this.assignWithRoomFromEc2(record);
    return carved * PREFIX_SIZE + this.granted.length - before;
  }

  /**
   * Assigns whole /28 prefixes on the ENI and leases what the request still wants of them;
   * answers how many EC2 assigned (each took a slot).
   */
  private async carve(eni: EniRecord, prefixes: number): Promise<number> {
    this.stopIfOutOfTime('AssignPrivateIpAddresses');
    await advance(this.ctx, this.intent, { step: INTENT_STEPS.assigning, eniId: eni.eniId });
    const outcome = await this.sending(() => assignInEc2(this.ctx, eni, 'prefix', prefixes));
    if ('noRoomCode' in outcome) {
      if (outcome.noRoomCode === 'InsufficientCidrBlocks') {
        this.prefixesRefused = true;
        this.ctx.log.warn('no aligned /28 left in the subnet: leasing single addresses', {
          instanceId: this.node.instanceId,
          eniId: eni.eniId,
          subnetId: eni.subnetId,
        });
      } else {
        const slotsFull = outcome.noRoomCode === 'PrivateIpAddressLimitExceeded';
        this.fail(
          slotsFull ? CAPACITY_REASONS.eniLimitReached : CAPACITY_REASONS.subnetExhausted,
          `EC2 answered ${outcome.noRoomCode} for ${eni.eniId} in ${eni.subnetId}`,
        );
      }
      return 0;
    }
    this.granted.push(
      ...(await recordCarved(this.ctx, eni, outcome.assigned, this.remaining, this.intent.intentId)),
    );
    await stepDone(this.ctx, 'addresses-recorded', { eniId: eni.eniId, carved: outcome.assigned.length });
    return outcome.assigned.length;
  }

  /**
   * When the request needs new ENIs anyway and they can hold all of it without more of
   * them, topping up the attached ENIs first would only add calls: their free slots stay
   * for a later, smaller lease.
   */
  private newEnisCoverTheTopUp(roomOnAttached: number, enisNow: number): boolean {
    if (roomOnAttached === 0 || roomOnAttached >= this.remaining) return false;
    const perEni = this.node.limits.ipv4PerEni - 1;
    const withTopUp = Math.ceil((this.remaining - roomOnAttached) / perEni);
    const withoutTopUp = Math.ceil(this.remaining / perEni);
    return withoutTopUp === withTopUp && enisNow + withoutTopUp <= this.node.eniCap;
  }

  /** EC2 refused for lack of slots the ledger thought free: assign what EC2 says is left. */
  private async assignWithRoomFromEc2(record: EniRecord): Promise<void> {
    const [eni] = await describeEnis(this.ctx.ec2, [record.eniId]);
    const room = eni ? roomOn(eni, this.node.limits.ipv4PerEni) : 0;
    if (room > 0 && this.remaining > 0) await this.assign(record, Math.min(room, this.remaining));
  }

  async addEnis(): Promise<void> {
    while (this.remaining > 0) {
      const enisNow = (await listNodeEnis(this.ctx.ledger, this.node.instanceId)).map((e) => e.eniId);
      const count = enisNow.length;
      if (count >= this.node.eniCap) {
        this.fail(
          CAPACITY_REASONS.eniLimitReached,
          `node ${this.node.instanceId} has ${count} of ${this.node.eniCap} ENIs (${this.node.instanceType} limit or MAX_ENI), all full`,
        );
        return;
      }
      // A new ENI needs its own primary address besides what it will hold.
      const needed = this.kind === 'prefix' ? 17 : 2;
      const subnets = (await candidateSubnets(this.ctx, this.node)).filter((s) => s.free >= needed);
      if (subnets.length === 0) {
        this.fail(
          CAPACITY_REASONS.subnetExhausted,
          `no subnet for node ${this.node.instanceId} in ${this.node.availabilityZone} has free addresses`,
        );
        return;
      }
      this.stopIfOutOfTime('CreateNetworkInterface', 'AttachNetworkInterface');
      let added: { record: EniRecord; held: string[] } | undefined;
      for (const subnet of subnets) {
        const count = Math.min(
          this.remaining,
          this.node.limits.ipv4PerEni - 1,
          this.kind === 'prefix' ? Number.POSITIVE_INFINITY : subnet.free - 1,
        );
        const eni = await this.sending(() =>
          createEni(this.ctx, this.node, this.intent, subnet, enisNow, { kind: this.kind, count }),
        );
        if (!eni) continue;
        try {
          const record = await attachAndRecord(this.ctx, this.node, this.intent, eni, subnet.cidr);
          const held = secondaryAddressesOf(eni);
          added = { record, held: this.kind === 'prefix' ? held.prefixes : held.ipv4 };
        } catch (error) {
          if (error instanceof CapacityError) {
            this.fail(error.reason as CapacityReason, error.message);
            return;
          }
          throw error;
        }
        break;
      }
      if (!added) {
        this.fail(
          CAPACITY_REASONS.subnetExhausted,
          `every candidate subnet for node ${this.node.instanceId} ran out of addresses`,
        );
        return;
      }
      const before = this.granted.length;
      this.granted.push(
        ...(await recordLeases(this.ctx, added.record, this.kind, added.held, this.intent.intentId)),
      );
      await stepDone(this.ctx, 'addresses-recorded', { eniId: added.record.eniId });
      if (this.remaining > 0 && added.held.length === 0)
        await this.assign(added.record, Math.min(this.remaining, this.node.limits.ipv4PerEni - 1));
      if (this.granted.length === before) return;
    }
  }

  /**
   * Calls that could not be made within the budget's wait bound (or, with addresses in hand,
   * before the lease's time is up) are not started: an ENI created but refused its attach
   * would only be deleted again. The addresses in hand are answered instead, or the request
   * is refused with nothing left half done.
   */
  private stopIfOutOfTime(...actions: string[]): void {
    const left = this.granted.length > 0 ? this.deadline - Date.now() : DEFAULT_MAX_BUDGET_WAIT_MS;
    if (left <= 0 || !actions.every((a) => this.ctx.ec2.canCallSoon(a, left))) {
      const longestWait = Math.max(...actions.map((a) => this.ctx.ec2.expectedWaitMs(a)));
      throw new Ec2BudgetSpentError(longestWait - DEFAULT_MAX_BUDGET_WAIT_MS);
    }
    if (!this.podsStillWaiting && !actions.every((a) => this.ctx.ec2.hasSurplusFor(a)))
      throw new WarmPoolDeferredError();
  }

  /** Runs a call that changes EC2, noting whether it got as far as EC2 (a budget refusal does not). */
  private async sending<T>(call: () => Promise<T>): Promise<T> {
    try {
      const out = await call();
      this.reachedEc2 = true;
      return out;
    } catch (error) {
      if (!(error instanceof Ec2BudgetSpentError)) this.reachedEc2 = true;
      throw error;
    }
  }

  /** Answers true when EC2 refused because the ENI's address slots are full. */
  private async assign(eni: EniRecord, count: number): Promise<boolean> {
    this.stopIfOutOfTime('AssignPrivateIpAddresses');
    await advance(this.ctx, this.intent, { step: INTENT_STEPS.assigning, eniId: eni.eniId });
    const outcome = await this.sending(() =>
      assignOnEni(this.ctx, eni, this.kind, count, this.intent.intentId),
    );
    this.granted.push(...outcome.granted);
    if (!outcome.noRoomCode) return false;
    const slotsFull = outcome.noRoomCode === 'PrivateIpAddressLimitExceeded';
    this.fail(
      slotsFull ? CAPACITY_REASONS.eniLimitReached : CAPACITY_REASONS.subnetExhausted,
      `EC2 answered ${outcome.noRoomCode} for ${eni.eniId} in ${eni.subnetId}`,
    );
    return slotsFull;
  }

  private fail(reason: CapacityReason, detail: string): void {
    this.reason = reason;
    this.detail = detail;
  }

  why(): string {
    return `no ${this.kind === 'prefix' ? 'prefix' : 'address'} could be leased: ${this.detail || 'no room'}`;
  }
}
