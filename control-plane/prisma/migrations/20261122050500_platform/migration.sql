-- CreateEnum
CREATE TYPE "SuiteId" AS ENUM ('intl', 'gost', 'sm');

-- CreateEnum
CREATE TYPE "NodeKind" AS ENUM ('shared', 'dedicated');

-- CreateEnum
CREATE TYPE "NodeStatus" AS ENUM ('requested', 'provisioning', 'learner', 'running', 'failed', 'stopping', 'stopped');

-- CreateEnum
CREATE TYPE "RuntimeKind" AS ENUM ('local', 'kubernetes');

-- CreateEnum
CREATE TYPE "KeyCustody" AS ENUM ('self', 'custodial');

-- CreateEnum
CREATE TYPE "OperationKind" AS ENUM ('onboard_shared', 'onboard_dedicated', 'move_to_dedicated', 'provision_node', 'register_identity');

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "InvoiceStatus" AS ENUM ('draft', 'issued', 'paid', 'void');

-- CreateEnum
CREATE TYPE "OperationPhase" AS ENUM ('CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED');

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "max_api_keys" INTEGER NOT NULL DEFAULT 20,
ADD COLUMN     "max_tx_per_day" INTEGER NOT NULL DEFAULT 100000,
ADD COLUMN     "max_users" INTEGER NOT NULL DEFAULT 50,
ADD COLUMN     "member_id" TEXT NOT NULL;

-- CreateTable
CREATE TABLE "networks" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "suite" "SuiteId" NOT NULL DEFAULT 'intl',
    "operator_member" TEXT NOT NULL DEFAULT 'operator',
    "operator_public_key" TEXT,
    "sealed_operator_key" BYTEA,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "networks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channels" (
    "id" UUID NOT NULL,
    "network_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "genesis" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_nodes" (
    "id" UUID NOT NULL,
    "network_id" UUID NOT NULL,
    "node_id" INTEGER NOT NULL,
    "kind" "NodeKind" NOT NULL,
    "tenant_id" UUID,
    "runtime" "RuntimeKind" NOT NULL DEFAULT 'local',
    "status" "NodeStatus" NOT NULL DEFAULT 'requested',
    "http_url" TEXT,
    "raft_addr" TEXT,
    "public_key" TEXT,
    "seal_key" TEXT,
    "sealed_keys" BYTEA,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ledger_nodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_identities" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "public_key" TEXT NOT NULL,
    "custody" "KeyCustody" NOT NULL,
    "sealed_key" BYTEA,
    "registered_tx_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provisioning_operations" (
    "id" UUID NOT NULL,
    "kind" "OperationKind" NOT NULL,
    "tenant_id" UUID,
    "status" "OperationStatus" NOT NULL DEFAULT 'queued',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "step" TEXT NOT NULL DEFAULT 'queued',
    "done_steps" TEXT[],
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "input" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "provisioning_operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_records" (
    "tenant_id" UUID NOT NULL,
    "metric" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "quantity" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("tenant_id","metric","day")
);

-- CreateTable
CREATE TABLE "invoices" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "period" DATE NOT NULL,
    "lines" JSONB NOT NULL,
    "total_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'RUB',
    "status" "InvoiceStatus" NOT NULL DEFAULT 'draft',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cfa_operations" (
    "id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "tx_id" TEXT,
    "tenant_id" UUID,
    "sender" TEXT,
    "method" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "phase" "OperationPhase" NOT NULL DEFAULT 'CREATED',
    "block_height" BIGINT,
    "result_code" TEXT,
    "source" TEXT NOT NULL DEFAULT 'api',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cfa_operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cfa_balances" (
    "channel" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "amount" DECIMAL(40,0) NOT NULL,
    "height" BIGINT NOT NULL,

    CONSTRAINT "cfa_balances_pkey" PRIMARY KEY ("channel","asset","account")
);

-- CreateTable
CREATE TABLE "projection_cursors" (
    "channel" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "block_hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projection_cursors_pkey" PRIMARY KEY ("channel")
);

-- CreateTable
CREATE TABLE "integrity_reports" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "channel" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "differences" JSONB NOT NULL,

    CONSTRAINT "integrity_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "networks_name_key" ON "networks"("name");

-- CreateIndex
CREATE UNIQUE INDEX "channels_network_id_name_key" ON "channels"("network_id", "name");

-- CreateIndex
CREATE INDEX "ledger_nodes_tenant_id_idx" ON "ledger_nodes"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_nodes_network_id_node_id_key" ON "ledger_nodes"("network_id", "node_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_identities_public_key_key" ON "ledger_identities"("public_key");

-- CreateIndex
CREATE INDEX "ledger_identities_tenant_id_idx" ON "ledger_identities"("tenant_id");

-- CreateIndex
CREATE INDEX "provisioning_operations_tenant_id_created_at_idx" ON "provisioning_operations"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_tenant_id_period_key" ON "invoices"("tenant_id", "period");

-- CreateIndex
CREATE UNIQUE INDEX "cfa_operations_tx_id_key" ON "cfa_operations"("tx_id");

-- CreateIndex
CREATE INDEX "cfa_operations_channel_block_height_idx" ON "cfa_operations"("channel", "block_height");

-- CreateIndex
CREATE INDEX "cfa_operations_tenant_id_created_at_idx" ON "cfa_operations"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "integrity_reports_channel_at_idx" ON "integrity_reports"("channel", "at");

-- CreateIndex
CREATE UNIQUE INDEX "tenants_member_id_key" ON "tenants"("member_id");

-- AddForeignKey
ALTER TABLE "channels" ADD CONSTRAINT "channels_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "networks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_nodes" ADD CONSTRAINT "ledger_nodes_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "networks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_nodes" ADD CONSTRAINT "ledger_nodes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_identities" ADD CONSTRAINT "ledger_identities_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provisioning_operations" ADD CONSTRAINT "provisioning_operations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The two-phase sync never moves backwards (seed 001): a phase may only go forward in the
-- enum's order, REJECTED ends an operation, and an operation that reached FINALIZED cannot be
-- REJECTED. Enforced here so that no writer (API, worker, a hand-run UPDATE) can break it.
-- The migration runner splits statements on every semicolon, quoted or not, so the body is an
-- E'' string whose semicolons are written \073.
CREATE FUNCTION "cfa_operations_phase_forward"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF NEW."phase" <> OLD."phase" AND (
       NEW."phase" < OLD."phase"
    OR OLD."phase" = ''REJECTED''
    OR (NEW."phase" = ''REJECTED'' AND OLD."phase" IN (''FINALIZED'', ''SETTLED''))
  ) THEN
    RAISE EXCEPTION ''PHASE_BACKWARDS: operation % cannot move from % to %'', OLD."id", OLD."phase", NEW."phase"
      USING ERRCODE = ''check_violation''\073
  END IF\073
  RETURN NEW\073
END\073
';

CREATE TRIGGER "cfa_operations_phase_forward" BEFORE UPDATE OF "phase" ON "cfa_operations"
  FOR EACH ROW EXECUTE FUNCTION "cfa_operations_phase_forward"();
