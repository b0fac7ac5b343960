/**
 * A flame graph of a V8 CPU profile (`node --cpu-prof`) as a self-contained SVG: each
 * box a function in its call path, as wide as the busy time spent in it and what it
 * called, callers below callees; idle time left out; identical frames of one parent
 * merged. Colours tell whose code it is: this server's, a package's, Node's, or V8's
 * own (the kernel calls, GC, compiler).
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface Frame {
  readonly name: string;
  readonly kind: Kind;
  micros: number;
  readonly children: Map<string, Frame>;
}

type Kind = 'ours' | 'package' | 'node' | 'v8';

const COLOURS: Record<Kind, string> = { ours: '#e4572e', package: '#f3a712', node: '#4c9f70', v8: '#8e9aaf' };
const WIDTH = 1200;
const ROW = 17;
/** Boxes narrower than this (px) are left out; their time stays in their parent's width. */
const MIN_WIDTH = 0.5;
/** Levels drawn at most: deeper frames (the start-up's module loading, a few hundredths of the time) are cut. */
const MAX_DEPTH = 28;

function kindOf(url: string, root: string): Kind {
  if (url === '') return 'v8';
  if (url.includes('/node_modules/')) return 'package';
  if (url.startsWith('node:')) return 'node';
  return url.includes(root) ? 'ours' : 'node';
}

function label(frame: CallFrame, root: string): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const path = frame.url
    .replace(/^file:\/\//, '')
    .replace(root, '')
    .replace(/.*\/node_modules\//, '');
  return `${name} ${path}:${frame.lineNumber + 1}`;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The call tree with each sample's time added along its path, idle samples left out. */
function callTree(profile: CpuProfile, root: string): Frame {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const top: Frame = { name: 'all busy time', kind: 'v8', micros: 0, children: new Map() };
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const path: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = nodes.get(at);
      if (node === undefined) break;
      path.push(node);
    }
    path.reverse();
    if (path.some((node) => node.callFrame.functionName === '(idle)')) return;
    top.micros += micros;
    let frame = top;
    // The profile's own "(root)" is left out: `top` stands for it.
    for (const node of path.slice(1)) {
      const name = label(node.callFrame, root);
      let child = frame.children.get(name);
      if (child === undefined) {
        child = { name, kind: kindOf(node.callFrame.url, root), micros: 0, children: new Map() };
        frame.children.set(name, child);
      }
      child.micros += micros;
      frame = child;
    }
  });
  return top;
}

/** The SVG of `profile`; `root` is the project's folder, to tell its files and shorten their paths. */
export function flameGraph(profile: CpuProfile, root: string, title: string): string {
  const top = callTree(profile, root);
  const scale = WIDTH / Math.max(1, top.micros);
  const boxes: string[] = [];
  let depth = 0;
  const place = (frame: Frame, x: number, level: number): void => {
    const width = frame.micros * scale;
    if (width < MIN_WIDTH || level > MAX_DEPTH) return;
    depth = Math.max(depth, level);
    const share = ((100 * frame.micros) / top.micros).toFixed(1);
    const text = width > 40 ? escape(frame.name.slice(0, Math.floor(width / 6.5))) : '';
    boxes.push(
      `<g transform="translate(${x.toFixed(1)},${level})"><title>${escape(frame.name)} — ${share} %</title>` +
        `<rect width="${Math.max(0, width - 0.5).toFixed(1)}" height="${ROW - 1}" fill="${COLOURS[frame.kind]}" rx="1"/>` +
        (text === '' ? '' : `<text x="3" y="12">${text}</text>`) +
        '</g>',
    );
    let childX = x;
    for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      place(child, childX, level + 1);
      childX += child.micros * scale;
    }
  };
  place(top, 0, 0);
  const height = (depth + 1) * ROW + 44;
  // Levels were counted from the bottom up; flip them so that callers sit below callees.
  const flipped = boxes.map((box) =>
    box.replace(
      /translate\(([\d.]+),(\d+)\)/,
      (_, x: string, level: string) => `translate(${x},${height - 24 - (Number(level) + 1) * ROW})`,
    ),
  );
  const legend = (Object.entries(COLOURS) as [Kind, string][])
    .map(
      ([kind, colour], i) =>
        `<rect x="${i * 150}" y="0" width="12" height="12" fill="${colour}"/><text x="${i * 150 + 16}" y="10">${kind === 'ours' ? 'this server' : kind === 'package' ? 'npm packages' : kind === 'node' ? 'Node.js' : 'V8 and native (syscalls, GC)'}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="0" y="12" font-size="13">${escape(title)}</text>`,
    `<g transform="translate(0,${height - 14})">${legend}</g>`,
    ...flipped,
    '</svg>',
    '',
  ].join('\n');
}
