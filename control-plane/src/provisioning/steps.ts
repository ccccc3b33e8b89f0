/**
 * The steps of provisioning operations. Each step is idempotent: it looks at the world (the
 * database, the chain's state, Raft membership, the runtime) and does only what is missing, so
 * a job killed half way and retried converges without duplicates.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { suiteById, toHex } from '@konsortium/protocol';
import type { LedgerNode, PrismaClient, ProvisioningOperation, Tenant } from '../db/prisma.js';
import { audit } from '../api/audit-log.js';
import type { NodeRuntime } from '../runtime/node-runtime.js';
import { generateNodeKeys, type NetworkHandle, openNodeKeys, peersOf, ProvisioningError, sealNodeKeys } from './network.js';
import { type KeyVault, vaultContext } from './vault.js';

export interface StepDeps {
  readonly db: PrismaClient;
  readonly vault: KeyVault;
  readonly runtime: NodeRuntime;
  readonly authJwksUrl?: string;
  /** How long a new node may take to catch up before the step fails (and the job retries). */
  readonly catchUpTimeoutMs: number;
}

export interface StepContext {
  readonly deps: StepDeps;
  readonly op: ProvisioningOperation;
  readonly tenant: Tenant | null;
  readonly net: NetworkHandle;
}

/** Roles a tenant's governance member gets: it may issue CFA and invest. */
export const TENANT_MEMBER_ROLES = ['issuer', 'investor'] as const;

type OpResult = { nodeId?: number; identityPublicKey?: string };
const resultOf = (op: ProvisioningOperation): OpResult => (op.result ?? {}) as OpResult;

function requireTenant(ctx: StepContext): Tenant {
  if (ctx.tenant === null) throw new ProvisioningError('INVALID_STATE', `operation ${ctx.op.id} (${ctx.op.kind}) has no tenant`);
  return ctx.tenant;
}

/** Custodial key: generated once per operation (remembered in the operation's result in the same transaction). */
export async function custodialKey(ctx: StepContext): Promise<void> {
  const input = ctx.op.input as { custody?: string };
  if (input.custody !== 'custodial') return;
  const tenant = requireTenant(ctx);
  const fresh = await ctx.deps.db.provisioningOperation.findUniqueOrThrow({ where: { id: ctx.op.id } });
  if (resultOf(fresh).identityPublicKey !== undefined) return;
  if (ctx.op.kind !== 'register_identity' && (await ctx.deps.db.ledgerIdentity.count({ where: { tenantId: tenant.id, custody: 'custodial' } })) > 0) return;
  const pair = suiteById(ctx.net.network.suite).generateKeyPair();
  const publicKey = toHex(pair.publicKey);
  const sealed = new Uint8Array(ctx.deps.vault.seal(pair.privateKey, vaultContext.identity(tenant.id, publicKey)));
  pair.privateKey.fill(0);
  await ctx.deps.db.$transaction(async (tx) => {
    await tx.ledgerIdentity.create({ data: { tenantId: tenant.id, publicKey, custody: 'custodial', sealedKey: sealed } });
    await tx.provisioningOperation.update({ where: { id: ctx.op.id }, data: { result: { ...resultOf(fresh), identityPublicKey: publicKey } } });
    await audit(tx, 'system', { tenantId: tenant.id, action: 'identity.custodial_key', objectType: 'tenant', objectId: tenant.id, details: { publicKey } });
  });
}

/** The tenant's governance member on every channel, with the keys it has so far. */
export async function ledgerMember(ctx: StepContext): Promise<void> {
  const tenant = requireTenant(ctx);
  const identities = await ctx.deps.db.ledgerIdentity.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'asc' } });
  for (const ch of ctx.net.channels) {
    if ((await ctx.net.gateway.stateJson(ch.name, `gov/member/${tenant.memberId}`)) !== null) continue;
    const status = await ctx.net.gateway.submitAndWait(ctx.net.operator, ch.name, {
      contract: 'governance',
      method: 'addMember',
      args: { id: tenant.memberId, name: tenant.name.slice(0, 200), roles: [...TENANT_MEMBER_ROLES], keys: identities.map((i) => i.publicKey) },
    });
    await ctx.deps.db.ledgerIdentity.updateMany({ where: { tenantId: tenant.id, registeredTxId: null, publicKey: { in: identities.map((i) => i.publicKey) } }, data: { registeredTxId: status.txId } });
  }
}

/** Keys added after the member: one addKey each, unless the chain has it already. */
export async function registerKeys(ctx: StepContext): Promise<void> {
  const tenant = requireTenant(ctx);
  const pending = await ctx.deps.db.ledgerIdentity.findMany({ where: { tenantId: tenant.id, registeredTxId: null } });
  for (const identity of pending) {
    let txId: string | null = null;
    for (const ch of ctx.net.channels) {
      if ((await ctx.net.gateway.stateJson(ch.name, `gov/key/${identity.publicKey}`)) !== null) continue;
      const status = await ctx.net.gateway.submitAndWait(ctx.net.operator, ch.name, { contract: 'governance', method: 'addKey', args: { member: tenant.memberId, publicKey: identity.publicKey } });
      txId ??= status.txId;
    }
    // Found on chain already (a previous attempt committed it but died before recording): the
    // key is registered, by a transaction this attempt did not see.
    await ctx.deps.db.ledgerIdentity.update({ where: { id: identity.id }, data: { registeredTxId: txId ?? 'on-chain' } });
  }
}

async function nodeOf(ctx: StepContext): Promise<LedgerNode> {
  const fresh = await ctx.deps.db.provisioningOperation.findUniqueOrThrow({ where: { id: ctx.op.id } });
  const nodeId = resultOf(fresh).nodeId;
  if (nodeId === undefined) throw new ProvisioningError('INVALID_STATE', `operation ${ctx.op.id} has no node yet`);
  return ctx.deps.db.ledgerNode.findUniqueOrThrow({ where: { networkId_nodeId: { networkId: ctx.net.network.id, nodeId } } });
}

/** A node id, keys (sealed) and a row; the id is taken under a lock on the network row. */
export async function allocateNode(ctx: StepContext): Promise<void> {
  const fresh = await ctx.deps.db.provisioningOperation.findUniqueOrThrow({ where: { id: ctx.op.id } });
  if (resultOf(fresh).nodeId !== undefined) return;
  const dedicated = ctx.op.kind !== 'provision_node';
  const tenant = dedicated ? requireTenant(ctx) : null;
  const suite = ctx.net.network.suite;
  const k = generateNodeKeys(suite);
  await ctx.deps.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM networks WHERE id = ${ctx.net.network.id}::uuid FOR UPDATE`;
    const max = await tx.ledgerNode.aggregate({ where: { networkId: ctx.net.network.id }, _max: { nodeId: true } });
    const nodeId = (max._max.nodeId ?? 0) + 1;
    const node = await tx.ledgerNode.create({
      data: {
        networkId: ctx.net.network.id,
        nodeId,
        kind: dedicated ? 'dedicated' : 'shared',
        tenantId: tenant?.id ?? null,
        runtime: ctx.deps.runtime.kind,
        status: 'provisioning',
        publicKey: k.publicKey,
        sealKey: k.sealKey,
        sealedKeys: sealNodeKeys(ctx.deps.vault, ctx.net.network.id, nodeId, k.keys),
      },
    });
    await tx.provisioningOperation.update({ where: { id: ctx.op.id }, data: { result: { ...resultOf(fresh), nodeId } } });
    await audit(tx, 'system', { tenantId: tenant?.id ?? null, action: 'node.allocate', objectType: 'node', objectId: node.id, details: { nodeId, kind: node.kind } });
  });
}

/** The node in governance (`gov/nodes`) on every channel, owned by the tenant (or the operator). */
export async function registerNode(ctx: StepContext): Promise<void> {
  const node = await nodeOf(ctx);
  for (const ch of ctx.net.channels) {
    const nodes = ((await ctx.net.gateway.stateJson(ch.name, 'gov/nodes')) ?? []) as { nodeId: number; publicKey: string }[];
    if (nodes.some((n) => n.nodeId === node.nodeId && n.publicKey === node.publicKey)) continue;
    await ctx.net.gateway.submitAndWait(ctx.net.operator, ch.name, {
      contract: 'governance',
      method: 'setNode',
      args: { nodeId: node.nodeId, publicKey: node.publicKey!, owner: ctx.tenant?.memberId ?? ctx.net.network.operatorMember, sealKey: node.sealKey! },
    });
  }
}

/** A Raft learner in every channel's group (it receives the log, it does not vote yet). */
export async function addLearner(ctx: StepContext): Promise<void> {
  const node = await nodeOf(ctx);
  const a = await ctx.deps.runtime.addresses(ctx.net.network.name, node.nodeId);
  for (const ch of ctx.net.channels) {
    const members = await ctx.net.gateway.members(ch.name);
    if (members.some((m) => m.id === node.nodeId)) continue;
    await ctx.net.gateway.admin(ch.name, 'POST', '/members', { id: node.nodeId, raftAddr: a.raftAddr, httpAddr: a.httpAddr });
  }
}

export async function startNode(ctx: StepContext): Promise<void> {
  const node = await nodeOf(ctx);
  const peers = await peersOf(ctx.deps, ctx.net.network);
  const a = await ctx.deps.runtime.ensureNode({
    network: ctx.net.network.name,
    nodeId: node.nodeId,
    channels: ctx.net.channels.map((c) => c.genesis as Record<string, unknown>),
    keys: openNodeKeys(ctx.deps.vault, node),
    peers,
    join: true,
    ...(ctx.deps.authJwksUrl ? { authJwksUrl: ctx.deps.authJwksUrl } : {}),
  });
  await ctx.deps.db.ledgerNode.update({ where: { id: node.id }, data: { httpUrl: a.httpUrl, raftAddr: a.raftAddr, status: 'learner', lastError: null } });
}

/** Waits (bounded) until the node's chain head has reached the network's on every channel. */
export async function catchUp(ctx: StepContext): Promise<void> {
  const node = await nodeOf(ctx);
  const deadline = Date.now() + ctx.deps.catchUpTimeoutMs;
  for (const ch of ctx.net.channels) {
    const target = (await ctx.net.gateway.head(ch.name)).height;
    for (;;) {
      const h = await ctx.net.gateway.head(ch.name, node.httpUrl!).catch(() => null);
      if (h !== null && h.height >= target) break;
      if (Date.now() > deadline) throw new ProvisioningError('NODE_NOT_READY', `node ${node.nodeId} is at height ${h?.height ?? 'unknown'} of ${ch.name}, the network at ${target}, after ${ctx.deps.catchUpTimeoutMs} ms`);
      await sleep(250);
    }
  }
}

/** Learner → voter in every channel's group; the node is then running. */
export async function promote(ctx: StepContext): Promise<void> {
  const node = await nodeOf(ctx);
  for (const ch of ctx.net.channels) {
    const m = (await ctx.net.gateway.members(ch.name)).find((x) => x.id === node.nodeId);
    if (m === undefined) throw new ProvisioningError('INVALID_STATE', `node ${node.nodeId} is not in channel ${ch.name}'s group`);
    if (m.role === 'learner') await ctx.net.gateway.admin(ch.name, 'POST', `/members/${node.nodeId}/promote`);
  }
  await ctx.deps.db.ledgerNode.update({ where: { id: node.id }, data: { status: 'running', lastError: null } });
}

export async function switchPlan(ctx: StepContext): Promise<void> {
  const tenant = requireTenant(ctx);
  await ctx.deps.db.$transaction(async (tx) => {
    await tx.tenant.update({ where: { id: tenant.id }, data: { plan: 'dedicated' } });
    await audit(tx, 'system', { tenantId: tenant.id, action: 'tenant.plan', objectType: 'tenant', objectId: tenant.id, details: { plan: 'dedicated', operation: ctx.op.id } });
  });
}
