#!/bin/sh
# Prisma's CLI downloads a native schema engine before any command, and this project runs offline.
# Pointing PRISMA_SCHEMA_ENGINE_BINARY here skips that download; `prisma generate` needs no engine.
# Migrations are plain SQL applied by scripts/migrate.ts, so the schema engine is never needed.
echo "schema engine disabled: migrations are applied by scripts/migrate.ts" >&2
exit 1
