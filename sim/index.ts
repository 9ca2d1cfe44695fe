/**
 * The DCS simulator's public API: a real HTTP server speaking the run-log API of
 * docs/dcs-api.md, for tests and `npm run demo`.
 *
 * Choices where the real service is unclear (tests hold the sim to them):
 * - The groups call on a 'single' instance answers 400 DCS.4800 (the API reference says the
 *   call is not for single-node instances); a client must look at cache_mode first.
 * - Collecting from an inactive replica works (DCS collects what the node has).
 * - Listings are oldest first, raw items where they were added; all retained items count in total_num.
 * - Signed calls must send X-Project-Id equal to the path's project and sign X-Sdk-Date; no
 *   other header has to be signed. An X-Auth-Token, when present, is judged alone.
 * - A link call for an item that is not `succeed` answers 400 DCS.4800; for an unknown or
 *   expired item 404 `111404022`. A download of an item past retention answers 404 NoSuchKey.
 * - A download carrying an Authorization header answers 400 InvalidArgument, as OBS/S3 do.
 * - `content(logId, start, end)` takes an exclusive `end`, like Buffer#subarray.
 */
export { DcsSimulator } from './server.js';
export { seedDemoFleet, type DemoFleet } from './demo-fleet.js';
export { LINK_ACCESS_KEY_ID } from './download-link.js';
export type {
  SimCacheMode,
  SimCredentials,
  SimFault,
  SimFaultKind,
  SimInstance,
  SimInstanceSpec,
  SimLog,
  SimLogSpec,
  SimOp,
  SimOptions,
  SimReplica,
  SimRequest,
} from './types.js';
