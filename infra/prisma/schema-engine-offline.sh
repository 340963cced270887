#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on the project's
# offline machines. `prisma generate` needs the variable PRISMA_SCHEMA_ENGINE_BINARY to point at
# something but never runs it; any other CLI command that does run it fails loudly here rather
# than silently doing nothing. Migrations go through libs/persistence (the Wasm schema engine).
echo "schema engine not available offline (use npm run db:migrate; see libs/persistence/README.md)" >&2
exit 1
