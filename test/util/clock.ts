/**
 * The tests' one clock. Test blocks carry timestamps from the test genesis (1,800,000,000) upward;
 * the clock reads TEST_NOW, far past them, so no test block is ever "too far in the future".
 * Chains take TEST_NOW as a fixed clock in seconds; nodes and networks take testClockMs, which
 * starts at TEST_NOW and runs at wall speed (their timers and rate limits need time to pass).
 */

/** Seconds: the time every test chain believes it is. */
export const TEST_NOW = 2_000_000_000;

const OFFSET_MS = TEST_NOW * 1000 - Date.now();

/** Milliseconds: TEST_NOW when this module loaded, then wall time. */
export const testClockMs = (): number => Date.now() + OFFSET_MS;
