/**
 * Preloaded into the built CLI (NODE_OPTIONS=--import) by hostile-input.test.ts, as an /etc/hosts
 * entry would: the names in ARCHIVER_TEST_FAKE_HOSTS resolve to 127.0.0.1, so a link can name
 * an ordinary-looking object storage host that is really the test's https front.
 */
import dns from 'node:dns';
import process from 'node:process';

const hosts = new Set((process.env.ARCHIVER_TEST_FAKE_HOSTS ?? '').split(',').filter(Boolean));
const original = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (!hosts.has(hostname)) return original.call(dns, hostname, options, callback);
  const all = typeof options === 'object' && options !== null && options.all === true;
  process.nextTick(() => (all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)));
  return undefined;
};
