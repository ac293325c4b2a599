// Method: the znode layout of the bigrecovery section, shared by the process that builds the data
// and the bench that reads it back: two levels, /r/b<i / 10000>/n<i>, so no znode has more than
// 10,000 children (as many real trees are, and as neither server is built for one giant parent).

/** Where the bigrecovery section puts znode `i` of N. */
export interface BigRecoveryLayout {
  /** The parent of every bucket. */
  readonly root: string
  /** Leaves per bucket. */
  readonly perBucket: number
  /** The bucket holding leaf `i`. */
  bucketPath(i: number): string
  /** Leaf `i`'s path. */
  leafPath(i: number): string
  /** A one-line description for the report. */
  readonly description: string
}

/** /r/b<i / 10000>/n<i>: 10,000 leaves per bucket. */
export const bigRecoveryLayout: BigRecoveryLayout = {
  root: '/r',
  perBucket: 10_000,
  bucketPath: (i) => `/r/b${Math.floor(i / 10_000)}`,
  leafPath: (i) => `/r/b${Math.floor(i / 10_000)}/n${i}`,
  description: '/r/b<i/10000>/n<i>: N leaves of 100 bytes under N/10,000 buckets (10,000 children each), plus /r and the buckets',
}
