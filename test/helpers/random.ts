/**
 * A seeded random generator (mulberry32), so that fault-injection tests pick the same points on every
 * run with the same seed. Tests print their seed and take another from MAILSHOT_TEST_SEED.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed: MAILSHOT_TEST_SEED when set (to replay a failure), else the test's own default. */
export function testSeed(fallback: number): number {
  const given = process.env.MAILSHOT_TEST_SEED;
  return given ? Number(given) : fallback;
}

/** A whole number from `min` to `max`, both included. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
