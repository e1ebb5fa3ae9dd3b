// Summarises a V8 .cpuprofile (from `npm run bench -- --profile` or `node --cpu-prof`): the
// functions with the most self time, and the files that hold them.
//
//   npx tsx bench/profile-summary.ts bench/profiles/CPU.….cpuprofile [top]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url: string) => url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'npm:').replace(/.*\/(src|bench|test)\//, '$1/');
const fnKey = (n: Node) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const fileKey = (n: Node) => {
  const url = short(n.callFrame.url);
  return url.startsWith('npm:') ? url.split('/').slice(0, url.startsWith('npm:@') ? 2 : 1).join('/') : url || n.callFrame.functionName;
};

function table(key: (n: Node) => string, title: string) {
  const sums = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (node) sums.set(key(node), (sums.get(key(node)) ?? 0) + us);
  }
  console.log(`\n${title}`);
  for (const [name, us] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

/** Self plus callees' time of each of Wisp's own functions (src/), to see which step costs what. */
function inclusive() {
  const totals = new Map<number, number>();
  const totalOf = (id: number): number => {
    const known = totals.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const sum = (self.get(id) ?? 0) + (node?.children ?? []).reduce((acc, child) => acc + totalOf(child), 0);
    totals.set(id, sum);
    return sum;
  };
  const sums = new Map<string, number>();
  // A function on the stack twice (recursion, nested calls) is counted once per stack.
  const visit = (id: number, open: Set<string>) => {
    const node = byId.get(id);
    if (!node) return;
    const key = fnKey(node);
    const mine = short(node.callFrame.url).startsWith('src/') && !open.has(key);
    if (mine) sums.set(key, (sums.get(key) ?? 0) + totalOf(id));
    const next = mine ? new Set(open).add(key) : open;
    for (const child of node.children ?? []) visit(child, next);
  };
  visit(profile.nodes[0].id, new Set());
  console.log('\ninclusive time of src/ functions');
  for (const [name, us] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
table(fnKey, 'self time by function');
table(fileKey, 'self time by file or package');
inclusive();
