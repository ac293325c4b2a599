/**
 * The console's bounds, each enforced where it is used (lib/console/console.ts). They live beside
 * the console rather than in lib/limits.ts so the console stays one folder that can be taken out
 * whole; each keeps the house naming, unit last.
 * @module
 */

/** Browser sessions held at once; a new one evicts the least recently used (its ZooKeeper session is closed). */
export const consoleSessionsMax = 64

/** A browser session unused for this long is closed on the next request that looks, ms. */
export const consoleSessionIdleMs = 30 * 60_000

/** Largest body of a POST, bytes (a znode's data in base64, up to jute.maxbuffer, fits). */
export const consoleBodyBytesMax = 2 * 1024 * 1024

/** Children one page may hold. */
export const consoleChildrenPageMax = 500

/** Nodes a recursive delete may remove at once; a larger subtree is refused. */
export const consoleDeleteNodesMax = 100_000

/** Deletes in flight at once during a recursive delete. */
export const consoleDeleteConcurrencyMax = 64

/** Watch streams (Server-Sent Events) one browser session may hold open. */
export const consoleWatchStreamsMax = 4

/** Events a watch stream may buffer for a slow page before it is ended. */
export const consoleWatchEventsBufferedMax = 1000

/** How often an idle watch stream sends a comment so proxies keep it open, ms. */
export const consoleWatchHeartbeatMs = 15_000

/** Shortest interval between the reads that keep a console's ZooKeeper session alive, ms. */
export const consoleKeepAliveMsMin = 200

/** Sessions the Sessions view lists (the first ones, by member). */
export const consoleSessionRowsMax = 1000

/** Leaders elected that the Ensemble view's history keeps, newest first. */
export const consoleElectionsKept = 20

/** Role changes that the Ensemble view's history keeps, newest first. */
export const consoleRoleChangesKept = 50

/** Characters of a command's output sent to the page; the rest is cut, with a note. */
export const consoleCommandOutputCharsMax = 1024 * 1024

/** How long the configuration read from the ensemble is reused before it is read again, ms. */
export const consoleConfigurationReuseMs = 10_000
