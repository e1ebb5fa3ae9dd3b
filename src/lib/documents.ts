import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode } from 'yaml';

// Reads a JSON or YAML file (JSON is read as YAML 1.2, of which it is a subset) and keeps
// where each value sat, so an error about a value can name its line.

export interface DocumentFile {
  value: unknown;
  /** The 1-based line of the value at `path`, or of the nearest parent that exists. */
  lineOf(path: (string | number)[]): number | null;
}

export class DocumentError extends Error {}

export function readDocument(file: string): DocumentFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DocumentError(`${file}: cannot be read: ${(error as Error).message}`);
  }
  return parseText(text, file);
}

export function parseText(text: string, name: string): DocumentFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const [first] = document.errors;
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new DocumentError(`${name}:${line}: ${first.message.split('\n')[0]}`);
  }
  return {
    value: document.toJS(),
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = document.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return null;
    },
  };
}
