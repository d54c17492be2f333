/**
 * The Redis command timeout of the tests on the test Redis. why not the production 100 ms: on a
 * busy machine a command routinely takes longer, and the silent fallback that follows (a cache
 * write dropped, a budget counted in memory) would make assertions depend on timing. Tests of
 * that fallback set their own timeout, next to the fault they cause.
 */
export const TEST_REDIS_COMMAND_TIMEOUT_MS = 2000;
