/**
 * Where the LevelDB database lives inside a dataDir, apart from `level-storage.ts` so that a
 * server can name the directory without loading `level`.
 * @module
 */

/** The directory inside `dataDir` that holds the LevelDB database. */
export const levelSubdirectory = 'level'
