-- Secrets shared by every control-plane process, sealed by the master key (the token signing key).
-- CreateTable
CREATE TABLE "platform_secrets" (
    "name" TEXT NOT NULL,
    "sealed" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platform_secrets_pkey" PRIMARY KEY ("name")
);
