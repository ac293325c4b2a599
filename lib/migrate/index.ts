/**
 * Moving data between Apache ZooKeeper and Paddock, and looking into a dataDir: the API behind
 * `paddock data import|export|dump-snapshot|dump-log|verify`. Every function works on directories
 * that no running member holds (stop the server, or ZooKeeper, first). See "Moving from Apache
 * ZooKeeper" in docs/operations.md.
 * @module paddock/migrate
 */
export { MigrationError, type MigrationErrorCode, type MigrationErrorOptions } from './errors.js'
export {
  exportToZooKeeper,
  importZooKeeperDataDir,
  type ExportOptions,
  type ImportSource,
  type ImportOptions,
  type MigrationOptions,
  type MigrationSummary,
} from './migrate.js'
export type { MigrationProgress } from './progress.js'
export {
  dumpPaddockDataDir,
  dumpZooKeeperSnapshot,
  verifyDataDir,
  type DumpedACL,
  type DumpedNode,
  type DumpedSession,
  type DumpedSnapshot,
  type VerifyReport,
} from './tools.js'
