// Parses Mermaid diagrams with Mermaid's own parser, in a process of its own: the parser needs a DOM
// (jsdom), which must not leak into the test workers' shared globals. Reads a JSON array of diagram
// sources on stdin; prints a JSON array with, for each, null or the parser's first error line.
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const source of JSON.parse(input)) {
  try {
    await mermaid.parse(source);
    results.push(null);
  } catch (error) {
    results.push(
      String(error.message ?? error)
        .split('\n')
        .slice(0, 3)
        .join(' | '),
    );
  }
}
process.stdout.write(JSON.stringify(results));
