-- CreateTable
CREATE TABLE "daraja_tokens" (
    "key" TEXT NOT NULL,
    "token_sealed" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "daraja_tokens_pkey" PRIMARY KEY ("key")
);
