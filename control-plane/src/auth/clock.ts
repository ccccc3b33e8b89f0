/**
 * Time as an input: every service of the auth core takes a `now()` (milliseconds since the
 * epoch) so that expiry is tested by moving a fake clock, never by sleeping.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
