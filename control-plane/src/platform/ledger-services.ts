/**
 * The platform's ledger-side services over one network: CFA submission with tenants' custodial
 * keys, or the network's operator key for the operator's own operations (the API's CfaGateway),
 * one block follower per channel (the reconciliation worker), and the scheduled integrity audit.
 * Clients go to a running node with the control plane's own node-audience token.
 */
import { KonsortiumClient, Signer } from '@konsortium/client';
import type { Logger } from 'pino';
import type { CfaGateway } from '../api/context.js';
import type { PrismaClient } from '../db/prisma.js';
import { BlockFollower, CfaOperationService, clientSubmitter, IntegrityAudit, scheduleAudit, type AuditReport, tenantActiveValidator } from '../projection/index.js';
import { type NetworkHandle, runningNodeUrls } from '../provisioning/network.js';
import { type KeyVault, vaultContext } from '../provisioning/vault.js';

export interface LedgerServicesOptions {
  readonly db: PrismaClient;
  readonly vault: KeyVault;
  readonly network: NetworkHandle;
  readonly nodeToken: () => Promise<string>;
  readonly logger: Logger;
  /** Integrity audit period (default a day); 0 disables the schedule. */
  readonly auditIntervalMs?: number;
}

export interface LedgerServices {
  readonly cfa: CfaGateway;
  readonly operations: CfaOperationService;
  runAudit(channel: string): Promise<AuditReport>;
  close(): Promise<void>;
}

export async function startLedgerServices(o: LedgerServicesOptions): Promise<LedgerServices> {
  const { db, logger } = o;
  const client = async (): Promise<KonsortiumClient> => {
    const urls = await runningNodeUrls(db, o.network.network.id);
    if (urls.length === 0) throw new Error('no running ledger node');
    return new KonsortiumClient({ baseUrl: urls[0]!, token: o.nodeToken });
  };
  const operations = new CfaOperationService({ db, validate: tenantActiveValidator(db) });

  /** The tenant's custodial signer (its first custodial key), or null when it holds its own keys. */
  const tenantSigner = async (tenantId: string): Promise<Signer | null> => {
    const identity = await db.ledgerIdentity.findFirst({ where: { tenantId, custody: 'custodial', registeredTxId: { not: null } }, orderBy: { createdAt: 'asc' } });
    if (identity === null || identity.sealedKey === null) return null;
    return new Signer(o.network.network.suite, o.vault.open(identity.sealedKey, vaultContext.identity(tenantId, identity.publicKey)));
  };

  /**
   * An operation without a tenant is the consortium operator's (POST /v1/cfa/operator-operations):
   * signed with the network's operator key, and only when recorded with the operator's member as
   * its sender, so that no other row without a tenant is ever signed by the operator.
   */
  const operatorSigner = (sender: string | null): Signer | null => (sender === o.network.network.operatorMember ? o.network.operator : null);

  const cfa: CfaGateway = {
    async submit(operationId) {
      const op = await operations.get(operationId);
      const signer = op.tenantId === null ? operatorSigner(op.sender) : await tenantSigner(op.tenantId);
      if (signer === null) {
        await operations.reject(operationId, op.tenantId === null ? 'NO_OPERATOR_KEY' : 'NO_CUSTODIAL_KEY');
        return;
      }
      await operations.submit(operationId, { submitter: clientSubmitter(await client(), signer) });
    },
  };

  const first = await client();
  const followers = o.network.channels.map(
    (ch) =>
      new BlockFollower({
        db,
        client: first,
        channel: ch.name,
        onError: (err, n, fatal) => logger[fatal ? 'error' : 'warn']({ channel: ch.name, code: err.code, err: err.message, consecutive: n }, fatal ? 'projection follower stopped' : 'projection follower retrying'),
      }),
  );
  for (const f of followers) f.start();
  const audit = new IntegrityAudit({ db, client: first });
  const schedule =
    (o.auditIntervalMs ?? 86_400_000) > 0
      ? scheduleAudit({
          audit,
          channels: o.network.channels.map((c) => c.name),
          intervalMs: o.auditIntervalMs ?? 86_400_000,
          onReport: (r) => logger[r.ok ? 'info' : 'error']({ channel: r.channel, height: r.height, differences: r.differences.length }, r.ok ? 'integrity audit clean' : 'integrity audit found differences'),
          onError: (channel, err) => logger.warn({ channel, err }, 'integrity audit failed'),
        })
      : null;
  return {
    cfa,
    operations,
    runAudit: (channel) => audit.run(channel),
    async close() {
      await schedule?.stop();
      await Promise.all(followers.map((f) => f.stop()));
    },
  };
}
