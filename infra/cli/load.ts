/**
 * npm run load -- <scenario> [options] | --help
 *
 * Open-model load scenarios against the running shop, driven by vegeta: see
 * load-tests/README.md. The command itself lives in load-tests/cli.ts, a project of its own;
 * it is loaded by path, so this tooling project does not depend on it at build time.
 */
import * as path from 'node:path';
import { repoRoot } from '../local/infra-paths';

interface LoadCli {
  main(argv: readonly string[]): Promise<number>;
}

if (require.main === module) {
  (import(path.join(repoRoot(), 'load-tests', 'cli.ts')) as Promise<LoadCli>)
    .then((cli) => cli.main(process.argv.slice(2)))
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        process.stderr.write(
          `\nload: error: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        process.exit(1);
      },
    );
}
