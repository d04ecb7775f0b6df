// Runs graphql-http's server audit suite (the GraphQL over HTTP spec's
// checks) against a running endpoint, prints every result and exits 1 when
// any MUST audit fails, 2 on a usage or fatal error.
//
//   node .ci/graphql-http/audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql-url>');
  process.exit(2);
}

const TIMEOUT_MS = 60_000;
const timer = setTimeout(() => {
  console.error(`graphql-http audit: no result within ${TIMEOUT_MS / 1000}s`);
  process.exit(2);
}, TIMEOUT_MS);

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  console.error('graphql-http audit could not run:', err);
  process.exit(2);
}
clearTimeout(timer);

const levels = ['MUST', 'SHOULD', 'MAY'];
const counts = Object.fromEntries(levels.map((l) => [l, { ok: 0, failed: 0 }]));
const mustFailures = [];

for (const level of levels) {
  for (const r of results.filter((r) => r.name.startsWith(level + ' '))) {
    if (r.status === 'ok') {
      counts[level].ok++;
      console.log(`ok     ${r.id} ${r.name}`);
      continue;
    }
    counts[level].failed++;
    // graphql-http reports MUST failures as "error", SHOULD as "warn" and
    // MAY as "notice"; the level decides whether CI fails, not the status.
    console.log(`${r.status.padEnd(6)} ${r.id} ${r.name}\n         ${r.reason.replace(/\n/g, '\n         ')}`);
    if (level === 'MUST') mustFailures.push(r);
  }
}

console.log(
  '\n' +
    levels.map((l) => `${l}: ${counts[l].ok} ok, ${counts[l].failed} failed`).join('; '),
);
if (mustFailures.length > 0) {
  console.error(`graphql-http audit: ${mustFailures.length} MUST audit(s) failed against ${url}`);
  process.exit(1);
}
